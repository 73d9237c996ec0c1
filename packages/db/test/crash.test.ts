import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { fnv1a } from '../src/store/paths.js'
import { deadWriterId } from './helpers/fixtures.js'

const here = import.meta.dirname
const tmp = mkdtempSync(join(tmpdir(), 'entrenar-db-crash-'))
const bundle = join(tmp, 'child.mjs')
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

beforeAll(async () => {
  // One plain-JS bundle of the child, so each trial starts node without a TypeScript loader.
  await build({
    entryPoints: [join(here, 'helpers', 'crash-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    logLevel: 'silent',
    alias: { '@entrenar/core': join(here, '..', '..', 'core', 'src', 'index.ts') },
  })
})

/** The temp-file name a process `pid` of this host gives a file it is writing (see `tmpPrefix`). */
function tempOf(pid: number): string {
  return `.${fnv1a(hostname())}-${pid}-abc123.tmp`
}

/** Runs one writer and SIGKILLs it at a random moment; resolves with the steps it reported durable. */
function trial(dir: string, runId: string, killAfterMs: number, segmentRows: number, foreign?: { host: string; offsetMs: number }, onPid?: (pid: number) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = [bundle, dir, runId, String(segmentRows), ...(foreign ? [foreign.host, String(foreign.offsetMs)] : [])]
    const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    onPid?.(child.pid!)
    let acked = 0
    let buf = ''
    let err = ''
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString()
      let nl = buf.indexOf('\n')
      while (nl >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), killAfterMs)
        else if (line.startsWith('ack ')) acked = Math.max(acked, Number(line.slice(4)))
        nl = buf.indexOf('\n')
      }
    })
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString()
    })
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited without being killed: ${err}`))
      else resolve(acked)
    })
  })
}

describe('crash safety (SIGKILL)', () => {
  it('every row whose flush() resolved survives 20 kills, four writers at a time, and the store reopens cleanly', async () => {
    const dir = join(tmp, 'store')
    const acked = new Map<string, number>()
    // 5 rounds × 4 concurrent writers on one store: kills land in appends, fsyncs, segment writes
    // and in the WAL recovery the next writers run on open.
    for (let round = 0; round < 5; round++) {
      const ids = [0, 1, 2, 3].map((j) => `crash-${round}-${j}`)
      const got = await Promise.all(ids.map((id, j) => trial(dir, id, 10 + Math.floor(Math.random() * 90), j % 2 === 0 ? 97 : 1000)))
      for (const [j, id] of ids.entries()) acked.set(id, got[j]!)
    }
    const problems: string[] = []
    const store = await openStore(dir, { onCorrupt: (e) => problems.push(e.code) })
    for (const [runId, n] of acked) {
      const series = (await store.query({ runs: [runId] })).series
      const steps = series.flatMap((s) => Array.from(s.x)).sort((a, b) => a - b)
      // Every acknowledged step is there, exactly once; steps beyond it (written, not yet acknowledged) may be too.
      for (let s = 0; s < n; s++) expect(steps[s], `${runId} step ${s} of ${n} acknowledged`).toBe(s)
      expect(new Set(steps).size, `${runId} has no duplicates`).toBe(steps.length)
    }
    expect([...acked.values()].some((n) => n > 0), 'the writers got some rows acknowledged').toBe(true)
    // Only torn WAL tails are reported, and recovery left no WAL of a dead writer behind.
    expect(problems.every((c) => c === 'ENTRENAR_DB_CORRUPT')).toBe(true)
    expect(readdirSync(join(dir, 'wal')).filter((f) => f.endsWith('.wal'))).toEqual([])
    // Temp files of writers killed mid-segment are gone too.
    for (const d of readdirSync(join(dir, 'metrics'))) expect(readdirSync(join(dir, 'metrics', d)).filter((f) => f.endsWith('.tmp'))).toEqual([])
    // The run catalog, rewritten by writers killed mid-recovery, still agrees with a scan of the segments.
    const counts = new Map<string, number>()
    for (const s of (await store.query({ aggregate: 'count' })).series) counts.set(s.runId, (counts.get(s.runId) ?? 0) + s.value[0]!)
    expect(new Map((await store.runSummaries()).map((r) => [r.runId, r.points]))).toEqual(counts)
    await store.close()
    const again = await openStore(dir)
    expect(again.recovery.walFiles).toBe(0)
    await again.close()
  }, 60_000)

  it('writers of other hosts killed at random moments (mid-append, mid-segment, mid-replay of earlier dead hosts) lose nothing flushed', async () => {
    const dir = join(tmp, 'hosts')
    const acked = new Map<string, number>()
    // Each round plays three hosts whose clocks run one hour further ahead than the round before:
    // they find the leases of earlier rounds stale and replay (or take over claims of) their WALs
    // while being killed themselves. Leases are judged by these injected clocks, never by waiting.
    for (let round = 0; round < 3; round++) {
      const ids = [0, 1, 2].map((j) => `host-${round}-${j}`)
      const got = await Promise.all(
        ids.map((id, j) => trial(dir, id, 10 + Math.floor(Math.random() * 90), j === 0 ? 97 : 1000, { host: id, offsetMs: round * 3_600_000 })),
      )
      for (const [j, id] of ids.entries()) acked.set(id, got[j]!)
    }
    // A reader on yet another host, ten hours ahead: every writer above is gone by its lease.
    const store = await openStore(dir, { host: 'reader', clock: () => Date.now() + 36_000_000, onCorrupt: () => {} })
    for (const [runId, n] of acked) {
      const steps = (await store.query({ runs: [runId] })).series.flatMap((s) => Array.from(s.x)).sort((a, b) => a - b)
      for (let s = 0; s < n; s++) expect(steps[s], `${runId} step ${s} of ${n} acknowledged`).toBe(s)
      expect(new Set(steps).size, `${runId} has no duplicates`).toBe(steps.length)
    }
    expect(readdirSync(join(dir, 'wal'))).toEqual([])
    expect(readdirSync(join(dir, 'writers')).filter((f) => f.endsWith('.lease'))).toEqual([`${store.writerId}.lease`])
    await store.close()
  }, 60_000)

  it('an open after clean closes lists no partition for temp files; after a SIGKILL the dead writer\'s temp files are still deleted', async () => {
    const dir = join(tmp, 'sweep')
    const first = await openStore(dir)
    expect(first.recovery.sweptTemps, 'a new store has not been swept yet').toBe(true)
    await first.close()
    const clean = await openStore(dir)
    expect(clean.recovery.sweptTemps, 'nothing died since the last sweep').toBe(false)
    await clean.close()
    // A writer dies mid-write: its lease stays behind, and so does the temp file of the segment it was writing.
    let pid = 0
    await trial(dir, 'killed', 30, 97, undefined, (p) => {
      pid = p
    })
    const temp = join(dir, 'metrics', 'run_id=killed', tempOf(pid))
    writeFileSync(temp, 'half a segment')
    writeFileSync(join(dir, tempOf(pid)), 'half a run catalog')
    const after = await openStore(dir, { onCorrupt: () => {} })
    expect(after.recovery.sweptTemps, 'the dead writer left its lease').toBe(true)
    expect(existsSync(temp), 'temp file of the killed writer').toBe(false)
    expect(existsSync(join(dir, tempOf(pid))), 'temp file of the killed writer in the store root').toBe(false)
    expect(readdirSync(join(dir, 'writers')).filter((f) => f.endsWith('.lease'))).toEqual([`${after.writerId}.lease`])
    await after.close()
    const again = await openStore(dir)
    expect(again.recovery.sweptTemps).toBe(false)
    await again.close()
    // A writer killed before its first WAL leaves only its lease: that is evidence enough.
    const dead = deadWriterId()
    const deadPid = Number(/p(\d+)r/.exec(dead)![1])
    writeFileSync(join(dir, 'writers', `${dead}.lease`), JSON.stringify({ writer: dead, host: hostname(), pid: deadPid, leaseMs: 1000, renewedMs: Date.now() }))
    const orphan = join(dir, 'runs', tempOf(deadPid))
    writeFileSync(orphan, '{"id":')
    const last = await openStore(dir)
    expect(last.recovery.sweptTemps).toBe(true)
    expect(existsSync(orphan)).toBe(false)
    await last.close()
  }, 60_000)
})
