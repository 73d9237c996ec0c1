import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { batchFromRows, type RecordBatch, type RecordRow } from '@entrenar/core'

export const T0 = 1_700_000_000_000_000

/** A fresh temporary directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `entrenar-db-${prefix}-`))
}

/** Rows `from..to-1` of metric `metric` with value `f(step)`. */
export function rows(runId: string, metric: string, from: number, to: number, f: (s: number) => number = (s) => s / 10): RecordBatch {
  const out: Omit<RecordRow, 'runId'>[] = []
  for (let s = from; s < to; s++) out.push({ metric, step: s, value: f(s), timestampUs: T0 + s * 1000, epoch: null, batch: null, tags: null })
  return batchFromRows(runId, out)
}

/** Mulberry32, a tiny seeded PRNG (Tommy Ettinger), so randomised tests are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A writer id of this host whose process is gone (a finished child's pid). */
export function deadWriterId(): string {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid!
  let h = 0x811c9dc5
  const host = hostname()
  for (let i = 0; i < host.length; i++) {
    h ^= host.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return `h${(h >>> 0).toString(16).padStart(8, '0')}p${pid}rdead00`
}
