/**
 * The Rust tracking client (the Rust entrenar's REST bodies, decoded into its reply types) logs a
 * run into a started `entrenar serve`, and the run then shows in `entrenar runs <dir>`.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli } from 'entrenar'
import { afterAll, describe, expect, it } from 'vitest'

const BIN = fileURLToPath(new URL('../../target/release/entrenar-tracking-client', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'entrenar-tracking-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function client(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\``)
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { env: { PATH: process.env.PATH } })
    let out = ''
    let err = ''
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    p.on('close', (code) => resolve({ code, out, err }))
  })
}

async function serve(args: string[]): Promise<{ url: string; stop(): Promise<number> }> {
  const ac = new AbortController()
  let exited!: Promise<number>
  const url = await new Promise<string>((resolve) => {
    exited = runCli(['serve', ...args, '--port', '0', '--no-dashboard'], { out: () => {}, err: () => {}, env: {}, signal: ac.signal, onListening: resolve })
  })
  return {
    url,
    stop: () => {
      ac.abort()
      return exited
    },
  }
}

describe('the Rust entrenar tracking client against entrenar serve', () => {
  it('logs an experiment, a run, params and metrics; the run appears in `entrenar runs`', async () => {
    const server = await serve([dir, '--token', 'tracking-token', '--sql'])
    let summary: { experiment_id: string; run_id: string; steps: number }
    try {
      const denied = await client([server.url, '--token', 'wrong', '--steps', '1'])
      expect(denied.code).toBe(1)
      expect(denied.err).toMatch(/401/)
      const r = await client([server.url, '--token', 'tracking-token', '--steps', '20', '--name', 'rust-run'])
      expect(r.err).toBe('')
      expect(r.code).toBe(0)
      summary = JSON.parse(r.out)
      expect(summary.steps).toBe(21)
      // trueno-db's POST /query {sql} shape, answered by the store's read-only SQL (DuckDB; served with --sql).
      const query = (sql: string) =>
        fetch(`${server.url}/query`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer tracking-token' }, body: JSON.stringify({ sql }) })
      const counted = await query(`select metric, count(*) as n from metrics where run_id = '${summary.run_id}' group by metric order by metric`)
      expect(await counted.json()).toMatchObject({ columns: ['metric', 'n'], rows: [['accuracy', 20], ['loss', 21]], row_count: 2 })
      const write = await query('delete from metrics')
      expect(write.status).toBeGreaterThanOrEqual(400)
      expect(await write.json()).toMatchObject({ error: expect.any(String) })
    } finally {
      expect(await server.stop()).toBe(0)
    }
    let out = ''
    expect(await runCli(['runs', dir, '--json'], { out: (t) => (out += t), err: () => {}, env: {} })).toBe(0)
    const run = (JSON.parse(out) as { runs: { id: string; name?: string; status: string; points: number; metrics: number; lastStep?: number; startTimeMs: number; endTimeMs?: number }[] }).runs.find((x) => x.id === summary.run_id)
    // 20 steps of loss and accuracy, then one loss without a step: it took the next step, 20.
    expect(run).toMatchObject({ name: 'rust-run', status: 'finished', points: 41, metrics: 2, lastStep: 20 })
    // The client sends its end time to the millisecond, so the run cannot end before it started.
    expect(run?.endTimeMs).toBeGreaterThanOrEqual(run!.startTimeMs)
    // The experiment outlives the server: it is kept beside the runs.
    const again = await serve([dir])
    try {
      const res = await fetch(`${again.url}/api/v1/experiments/${summary.experiment_id}`)
      expect(res.status).toBe(200)
      expect(((await res.json()) as { data: { name: string } }).data.name).toBe('rust-interop')
    } finally {
      await again.stop()
    }
  })
})
