import { batchFromRows, type Incident, type RecordBatch, type RecordRow } from '@entrenar/core'

type Row = Omit<RecordRow, 'runId'>

/** A deterministic training run: loss with a spike and a NaN, accuracy, and sparse validation twins. */
export function trainingBatch(runId = 'run-1', n = 2000): RecordBatch {
  const rows: Row[] = []
  const r = (metric: string, step: number, value: number): Row => ({ metric, step, value, timestampUs: 1_700_000_000_000_000 + step * 1000, epoch: null, batch: null, tags: null })
  for (let i = 0; i < n; i++) {
    let loss = 2 * Math.exp(-i / 400) + 0.05 * Math.sin(i / 9) + 0.1
    if (i === Math.floor(n * 0.4)) loss += 2
    if (i === Math.floor(n * 0.7)) loss = Number.NaN
    rows.push(r('loss', i, loss))
    rows.push(r('accuracy', i, 1 - Math.exp(-i / 500)))
    if (i % 100 === 0) {
      rows.push(r('val_loss', i, 2.2 * Math.exp(-i / 500) + 0.2))
      rows.push(r('val_accuracy', i, 0.95 * (1 - Math.exp(-i / 600))))
    }
  }
  return batchFromRows(runId, rows)
}

export function incidents(n = 2000): Incident[] {
  return [
    { level: 'warning', rule: 'drift', message: 'page_hinkley drift on loss', metric: 'loss', step: Math.floor(n * 0.4), value: 2.3, timestampMs: 1_700_000_000_000, decision: 'warn' },
    { level: 'critical', rule: 'non_finite', message: 'loss is NaN', metric: 'loss', step: Math.floor(n * 0.7), value: Number.NaN, timestampMs: 1_700_000_001_000, decision: 'stop' },
  ]
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g
export function stripAnsi(s: string): string {
  return s.replace(ANSI, '')
}

/** A fake terminal stream collecting writes. */
export function fakeStream(opts: { isTTY: boolean; columns?: number; rows?: number }) {
  const writes: string[] = []
  return {
    writes,
    isTTY: opts.isTTY,
    columns: opts.columns ?? 100,
    rows: opts.rows ?? 40,
    write(chunk: string) {
      writes.push(chunk)
      return true
    },
    on() {
      return this
    },
    off() {
      return this
    },
  }
}
