/**
 * The rust-swap example end to end: the demo's training loop writes through the HTTP client into the
 * Rust entrenar-store-server, and `entrenar report --url` reads the run back from it. Then the stored
 * rows are read again from a restarted server, straight from its own file.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHttpClient, metricStoreContract } from '@entrenar/core'
import { runCli } from 'entrenar'
import { afterAll, describe, expect, it } from 'vitest'
import { startRustStore } from '../../../rust/store-server/test/spawn.js'

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'entrenar-rust-swap-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function node(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\``)
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [MAIN, ...args], { cwd: dir, env: { PATH: process.env.PATH, ...env } })
    let out = ''
    let err = ''
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    p.on('close', (code) => resolve({ code, out, err }))
  })
}

describe('examples/rust-swap', () => {
  it('trains through the Rust store, stops the divergent run, and reports it back from the Rust server', async () => {
    const runs = join(dir, 'runs')
    const r = await node(['--epochs', '20', '--dir', runs])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const stopped = /stopped at step (\d+): /.exec(r.out)
    expect(stopped).not.toBeNull()
    const stopStep = Number(stopped![1])
    // The report came from the Rust server: the Hansei header, the non-finite stop and the loss table.
    expect(r.out).toMatch(/entrenar report .* --url http:\/\/127\.0\.0\.1:\d+/)
    expect(r.out).toMatch(/non_finite|non\\_finite/)
    expect(r.out).toContain('## Metrics')

    // The rows are in the Rust server's file, not in a Parquet store of the directory.
    expect(existsSync(join(runs, 'metrics.store'))).toBe(true)
    expect(readdirSync(runs).some((f) => f.endsWith('.parquet') || f.startsWith('run='))).toBe(false)
    const again = await startRustStore(join(runs, 'metrics.store'))
    try {
      const store = createHttpClient(metricStoreContract, again.url)
      const info = await store.runs()
      expect(info.map((x) => x.status).sort()).toEqual(['finished', 'stopped'])
      const bad = info.find((x) => x.status === 'stopped')!
      const loss = (await store.query({ runs: [bad.id], metrics: ['loss'] })).series[0]!
      expect(loss.x[loss.x.length - 1]).toBe(stopStep)
      expect(Number.isFinite(loss.value[loss.value.length - 1]!)).toBe(false)
      let out = ''
      expect(await runCli(['runs', runs, '--url', again.url, '--json'], { out: (t) => (out += t), err: () => {}, env: {} })).toBe(0)
      const listed = (JSON.parse(out) as { runs: { id: string; status: string; points: number; incidents: number }[] }).runs
      expect(listed.find((x) => x.id === bad.id)).toMatchObject({ status: 'stopped', incidents: expect.any(Number) })
      expect(listed.every((x) => x.points > 0)).toBe(true)
    } finally {
      await again.stop()
    }
  })

  it('really runs the detectors through FFI: without their native library it stops with a coded error naming the path', async () => {
    const r = await node(['--epochs', '1', '--dir', join(dir, 'no-lib')], { ENTRENAR_DRIFT_NATIVE_LIB: '/nonexistent/libentrenar_drift.so' })
    expect(r.code).not.toBe(0)
    expect(r.err).toMatch(/ENTRENAR_[A-Z_]+/)
    expect(r.err).toContain('/nonexistent/libentrenar_drift.so')
  })
})
