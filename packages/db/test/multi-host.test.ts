import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { openStore, type ParquetStore, type StoreOptions } from '../src/index.js'
import { deadWriterId, rows, tempDir } from './helpers/fixtures.js'

// Every test runs on injected host names and clocks: leases are judged by the clock values the
// test chooses, never by real time, and nothing sleeps on a lease.
const T = 1_800_000_000_000
const STALE = 300_000 // the documented default of staleWriterMs

const wal = (dir: string) => readdirSync(join(dir, 'wal')).sort()
const writers = (dir: string) => (existsSync(join(dir, 'writers')) ? readdirSync(join(dir, 'writers')).filter((f) => f.endsWith('.lease')) : [])

/** Sorted steps of a run (every series), to check rows appear exactly once. */
async function steps(store: ParquetStore, runId: string): Promise<number[]> {
  return (await store.query({ runs: [runId] })).series.flatMap((s) => Array.from(s.x)).sort((a, b) => a - b)
}
const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/** Copies the files of `subs` from one store directory to another (what a dead host left on disk). */
function copyDirs(from: string, to: string, subs: readonly string[]): void {
  for (const sub of subs) {
    mkdirSync(join(to, sub), { recursive: true })
    for (const f of readdirSync(join(from, sub))) copyFileSync(join(from, sub, f), join(to, sub, f))
  }
}

/**
 * A store in which a writer of `host-a` accepted and flushed 50 rows of run `r` and 5 of run `q`,
 * then died at clock T (its WAL and lease are what a dead host leaves on the shared volume).
 */
async function deadForeignWriter(label: string, lease = true): Promise<{ dir: string; writer: string }> {
  const src = tempDir(`${label}-src`)
  const a = await openStore(src, { host: 'host-a', clock: () => T, sealAfterMs: Number.POSITIVE_INFINITY })
  await a.write(rows('r', 'loss', 0, 50))
  await a.write(rows('q', 'acc', 0, 5))
  await a.flush()
  const dir = tempDir(`${label}-dst`)
  copyDirs(src, dir, lease ? ['wal', 'writers'] : ['wal'])
  await a.close()
  return { dir, writer: a.writerId }
}

const onHost = (host: string, now: number, more: StoreOptions = {}): StoreOptions => ({ host, clock: () => now, ...more })

describe('writers on other hosts (shared filesystem)', () => {
  it('a WAL whose foreign writer holds a fresh lease is left alone', async () => {
    const { dir, writer } = await deadForeignWriter('fresh')
    // Exactly staleWriterMs old is still fresh; the writer may only be slow.
    const b = await openStore(dir, onHost('host-b', T + STALE))
    expect(b.recovery).toMatchObject({ walFiles: 0, rows: 0, leftAlone: 1, takenOver: 0 })
    expect(await steps(b, 'r')).toEqual([])
    expect(wal(dir)).toEqual([`${writer}.00000000.wal`])
    expect(writers(dir)).toContain(`${writer}.lease`)
    await b.close()
    // Closing removes b's own lease; a's stays (a is alive as far as anyone knows).
    expect(writers(dir)).toEqual([`${writer}.lease`])
  })

  it('a WAL with a stale lease is replayed exactly once by two stores opening at once, and the lease is cleared', async () => {
    const { dir, writer } = await deadForeignWriter('stale')
    const [b, c] = await Promise.all([openStore(dir, onHost('host-b', T + STALE + 1)), openStore(dir, onHost('host-c', T + STALE + 1))])
    expect(b.recovery.walFiles + c.recovery.walFiles).toBe(1)
    expect(b.recovery.rows + c.recovery.rows).toBe(55)
    expect(b.recovery.segments + c.recovery.segments).toBe(2)
    expect(b.recovery.skippedRows + c.recovery.skippedRows).toBe(0)
    for (const s of [b, c]) {
      expect(await steps(s, 'r')).toEqual(range(50))
      expect(await steps(s, 'q')).toEqual(range(5))
    }
    expect(wal(dir)).toEqual([])
    expect(writers(dir)).not.toContain(`${writer}.lease`)
    await Promise.all([b.close(), c.close()])
    expect(writers(dir)).toEqual([])
    const again = await openStore(dir, onHost('host-b', T + 10 * STALE))
    expect(again.recovery.walFiles).toBe(0)
    expect(await steps(again, 'r')).toEqual(range(50))
    await again.close()
  })

  it('two stores of one host racing for a stale WAL: one replays it, the other sees the live claim', async () => {
    const { dir } = await deadForeignWriter('race-same-host')
    const opened = await Promise.all([0, 1, 2].map(() => openStore(dir, onHost('host-b', T + 2 * STALE))))
    expect(opened.reduce((n, s) => n + s.recovery.walFiles, 0)).toBe(1)
    expect(opened.reduce((n, s) => n + s.recovery.rows, 0)).toBe(55)
    expect(await steps(opened[0]!, 'r')).toEqual(range(50))
    await Promise.all(opened.map((s) => s.close()))
    expect(wal(dir)).toEqual([])
  })

  it('without a lease (an older writer), the WAL modification time stands in for it', async () => {
    const { dir, writer } = await deadForeignWriter('no-lease', false)
    const mtime = statSync(join(dir, 'wal', `${writer}.00000000.wal`)).mtimeMs
    const b = await openStore(dir, onHost('host-b', mtime + 60_000))
    expect(b.recovery).toMatchObject({ walFiles: 0, leftAlone: 1 })
    await b.close()
    const c = await openStore(dir, onHost('host-c', mtime + STALE + 1))
    expect(c.recovery).toMatchObject({ walFiles: 1, rows: 55 })
    expect(await steps(c, 'r')).toEqual(range(50))
    await c.close()
  })

  it('a long-lived store picks up a writer that died after it opened with recover()', async () => {
    const { dir } = await deadForeignWriter('recover')
    let now = T + 1_000
    const b = await openStore(dir, { host: 'host-b', clock: () => now })
    expect(b.recovery.leftAlone).toBe(1)
    expect(await steps(b, 'q')).toEqual([])
    now = T + STALE + 1_000
    expect(await b.recover()).toMatchObject({ walFiles: 1, rows: 55, leftAlone: 0 })
    expect(await steps(b, 'q')).toEqual(range(5))
    expect(await b.recover()).toMatchObject({ walFiles: 0, rows: 0 })
    await b.close()
  })

  it('a writer with a longer lease than the reader expects is judged by 3 × its own leaseMs', async () => {
    const src = tempDir('long-lease-src')
    const a = await openStore(src, { host: 'host-a', clock: () => T, leaseMs: 200_000, sealAfterMs: Number.POSITIVE_INFINITY })
    await a.write(rows('r', 'loss', 0, 10))
    await a.flush()
    const dir = tempDir('long-lease-dst')
    copyDirs(src, dir, ['wal', 'writers'])
    await a.close()
    const b = await openStore(dir, onHost('host-b', T + 600_000))
    expect(b.recovery).toMatchObject({ walFiles: 0, leftAlone: 1 })
    await b.close()
    const c = await openStore(dir, onHost('host-b', T + 600_001))
    expect(c.recovery).toMatchObject({ walFiles: 1, rows: 10 })
    await c.close()
  })
})

describe('claims of recoveries that died', () => {
  /**
   * The state a recovery of host-c leaves when it dies mid-replay at clock `at`: it renamed a's WAL
   * into its claim and had written run r's segment, not yet run q's.
   */
  async function diedMidReplay(at: number): Promise<{ dir: string; writer: string; claimer: string }> {
    const { dir, writer } = await deadForeignWriter('claim')
    // Run r's segment exactly as a replay writes it: a full replay of the same WAL elsewhere.
    const side = tempDir('claim-side')
    copyDirs(dir, side, ['wal', 'writers'])
    const replayer = await openStore(side, onHost('host-x', T + 2 * STALE))
    await replayer.close()
    const part = `part-${writer}-00000000.parquet`
    mkdirSync(join(dir, 'metrics', 'run_id=r'), { recursive: true })
    copyFileSync(join(side, 'metrics', 'run_id=r', part), join(dir, 'metrics', 'run_id=r', part))
    // The claimer's lease, as its store wrote it at `at`.
    const home = tempDir('claimer-home')
    const c = await openStore(home, onHost('host-c', at))
    const lease = readFileSync(join(home, 'writers', `${c.writerId}.lease`))
    await c.close()
    writeFileSync(join(dir, 'writers', `${c.writerId}.lease`), lease)
    renameSync(join(dir, 'wal', `${writer}.00000000.wal`), join(dir, 'wal', `${writer}.00000000.wal.${c.writerId}.claim`))
    return { dir, writer, claimer: c.writerId }
  }

  it('a claim whose claimer holds a fresh lease is left alone; once stale it is taken over, exactly once, with no duplicate', async () => {
    const at = T + 2 * STALE
    const { dir, writer, claimer } = await diedMidReplay(at)
    const d = await openStore(dir, onHost('host-d', at + 60_000))
    expect(d.recovery).toMatchObject({ walFiles: 0, takenOver: 0, leftAlone: 1 })
    expect(await steps(d, 'r')).toEqual(range(50)) // the segment the claimer wrote before dying
    expect(await steps(d, 'q')).toEqual([])
    await d.close()

    const later = at + STALE + 1
    const [e, f] = await Promise.all([openStore(dir, onHost('host-e', later)), openStore(dir, onHost('host-f', later))])
    const reports = [e.recovery, f.recovery]
    expect(reports.reduce((n, r) => n + r.takenOver, 0)).toBe(1)
    expect(reports.reduce((n, r) => n + r.walFiles, 0)).toBe(1)
    // Run r was already written by the dead claimer: skipped, not duplicated; run q is replayed.
    expect(reports.reduce((n, r) => n + r.skippedRows, 0)).toBe(50)
    expect(reports.reduce((n, r) => n + r.rows, 0)).toBe(5)
    for (const s of [e, f]) {
      expect(await steps(s, 'r')).toEqual(range(50))
      expect(await steps(s, 'q')).toEqual(range(5))
    }
    expect(wal(dir)).toEqual([])
    expect(writers(dir).filter((l) => l.startsWith(writer) || l.startsWith(claimer))).toEqual([])
    await Promise.all([e.close(), f.close()])
  })

  it('a generation replayed before an earlier one of the same writer does not make that earlier one look done (its rows are replayed, not dropped)', async () => {
    // Writer a died mid-seal: generation 0 was rotated out but not yet written as a segment, and
    // generation 1 already holds flushed rows. Both WALs are on the shared volume, no segment.
    const src = tempDir('two-gens-src')
    const dir = tempDir('two-gens')
    const a = await openStore(src, { host: 'host-a', clock: () => T, sealAfterMs: Number.POSITIVE_INFINITY })
    await a.write(rows('r', 'loss', 0, 50))
    await a.flush()
    copyDirs(src, dir, ['wal', 'writers'])
    await a.seal()
    await a.write(rows('r', 'loss', 50, 80))
    await a.flush()
    copyDirs(src, dir, ['wal'])
    await a.close()
    expect(wal(dir)).toEqual([`${a.writerId}.00000000.wal`, `${a.writerId}.00000001.wal`])
    // A recovery of host-c claimed generation 0 and died before writing its segment...
    const at = T + 2 * STALE
    const home = tempDir('two-gens-claimer')
    const c = await openStore(home, onHost('host-c', at))
    const lease = readFileSync(join(home, 'writers', `${c.writerId}.lease`))
    await c.close()
    writeFileSync(join(dir, 'writers', `${c.writerId}.lease`), lease)
    renameSync(join(dir, 'wal', `${a.writerId}.00000000.wal`), join(dir, 'wal', `${a.writerId}.00000000.wal.${c.writerId}.claim`))
    // ...while another store replayed generation 1 (the claim's holder still looked alive to it).
    const d = await openStore(dir, onHost('host-d', at + 60_000))
    expect(d.recovery).toMatchObject({ walFiles: 1, rows: 30, leftAlone: 1 })
    await d.close()
    // Once the claim is stale, generation 0 is replayed: segment part-a-1 holds none of its rows.
    const e = await openStore(dir, onHost('host-e', at + STALE + 1))
    expect(e.recovery).toMatchObject({ walFiles: 1, takenOver: 1, rows: 50, skippedRows: 0 })
    expect(await steps(e, 'r')).toEqual(range(80))
    expect(wal(dir)).toEqual([])
    await e.close()
  })

  it('a claim left by a dead process of this host is taken over at once (pid probe)', async () => {
    const { dir, writer } = await deadForeignWriter('claim-local')
    const dead = deadWriterId()
    renameSync(join(dir, 'wal', `${writer}.00000000.wal`), join(dir, 'wal', `${writer}.00000000.wal.${dead}.claim`))
    // The WAL's own writer still looks alive (fresh lease): the claim decides, and its claimer is dead.
    const s = await openStore(dir, { clock: () => T })
    expect(s.recovery).toMatchObject({ walFiles: 1, takenOver: 1, rows: 55 })
    expect(await steps(s, 'r')).toEqual(range(50))
    await s.close()
  })

  it('a writer whose WAL was claimed while it was alive (taken for gone) reports it and still writes every row', async () => {
    const dir = tempDir('presumed-dead')
    const problems: string[] = []
    const w = await openStore(dir, { host: 'host-a', clock: () => T, sealAfterMs: Number.POSITIVE_INFINITY, onCorrupt: (e) => problems.push(e.code) })
    await w.write(rows('r', 'loss', 0, 30))
    await w.flush()
    // Another host, ten minutes ahead, takes the silent writer for gone and replays its WAL.
    const other = await openStore(dir, onHost('host-b', T + 2 * STALE))
    expect(other.recovery).toMatchObject({ walFiles: 1, rows: 30 })
    await w.write(rows('r', 'loss', 30, 40))
    await w.flush()
    await w.close()
    expect(problems).toEqual(['ENTRENAR_DB_CORRUPT'])
    expect(w.problems()[0]!.message).toMatch(/claimed by another process/)
    expect(await steps(other, 'r')).toEqual(range(40))
    await other.close()
  })
})

describe('leases', () => {
  it('a lease is written on open, renewed by the timer and removed on close', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    try {
      const dir = tempDir('lease')
      let now = T
      const s = await openStore(dir, { host: 'host-a', clock: () => now, leaseMs: 10_000 })
      const path = join(dir, 'writers', `${s.writerId}.lease`)
      const read = () => JSON.parse(readFileSync(path, 'utf8')) as { writer: string; host: string; pid: number; leaseMs: number; renewedMs: number }
      expect(read()).toEqual({ writer: s.writerId, host: 'host-a', pid: process.pid, leaseMs: 10_000, renewedMs: T })
      now = T + 10_000
      vi.advanceTimersByTime(10_000)
      await vi.waitFor(() => expect(read().renewedMs).toBe(T + 10_000), { timeout: 30_000, interval: 5 })
      await s.close()
      expect(existsSync(path)).toBe(false)
    } finally {
      vi.useRealTimers()
    }
  })

  it('leases of gone writers that own no WAL are cleared; live ones are kept', async () => {
    const dir = tempDir('lease-gc')
    const home = tempDir('lease-gc-home')
    const stale = await openStore(home, onHost('host-a', T))
    const fresh = await openStore(home, onHost('host-c', T + STALE))
    mkdirSync(join(dir, 'writers'), { recursive: true })
    for (const w of [stale.writerId, fresh.writerId]) copyFileSync(join(home, 'writers', `${w}.lease`), join(dir, 'writers', `${w}.lease`))
    await Promise.all([stale.close(), fresh.close()])
    const b = await openStore(dir, onHost('host-b', T + STALE + 1))
    expect(writers(dir).sort()).toEqual([`${b.writerId}.lease`, `${fresh.writerId}.lease`].sort())
    await b.close()
  })

  it('a compaction lock of a live writer of another host is respected, and taken over once its lease is stale', async () => {
    const dir = tempDir('lock')
    const home = tempDir('lock-home')
    const other = await openStore(home, onHost('host-c', T))
    const lease = readFileSync(join(home, 'writers', `${other.writerId}.lease`))
    await other.close()
    let now = T + 1_000
    const s = await openStore(dir, { host: 'host-b', clock: () => now })
    await s.write(rows('r', 'loss', 0, 10))
    await s.seal()
    await s.write(rows('r', 'loss', 10, 20))
    await s.seal()
    writeFileSync(join(dir, 'writers', `${other.writerId}.lease`), lease)
    writeFileSync(join(dir, 'metrics', 'run_id=r', '.compact.lock'), other.writerId)
    expect(await s.compact()).toEqual({ merged: 0, written: 0, rows: 0 })
    now = T + STALE + 1
    expect(await s.compact()).toEqual({ merged: 2, written: 1, rows: 20 })
    expect(await steps(s, 'r')).toEqual(range(20))
    await s.close()
  })

  it('an empty compaction lock (its creator crashed before writing its id) is taken over once its mtime is stale', async () => {
    const dir = tempDir('empty-lock')
    let now = 0
    const s = await openStore(dir, { host: 'host-b', clock: () => now })
    await s.write(rows('r', 'loss', 0, 10))
    await s.seal()
    await s.write(rows('r', 'loss', 10, 20))
    await s.seal()
    const lock = join(dir, 'metrics', 'run_id=r', '.compact.lock')
    writeFileSync(lock, '')
    now = statSync(lock).mtimeMs + 1_000
    expect(await s.compact()).toEqual({ merged: 0, written: 0, rows: 0 })
    now += STALE
    expect(await s.compact()).toEqual({ merged: 2, written: 1, rows: 20 })
    expect(existsSync(lock)).toBe(false)
    await s.close()
  })

  it('rejects inconsistent lease options with ENTRENAR_INVALID_CONFIG', async () => {
    const dir = tempDir('lease-opts')
    await expect(openStore(dir, { leaseMs: 60_000, staleWriterMs: 100_000 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(openStore(dir, { leaseMs: 0 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(openStore(dir, { host: '' })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    // A long lease alone raises the default staleness to 2 × leaseMs.
    const s = await openStore(dir, { leaseMs: 600_000 })
    await s.close()
  })
})
