/** The CLI's file-system glue: opening a store directory and reading its incident log. */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { EntrenarError, ErrorCodes, floatFromWire, type Incident, type WireFloat } from '@entrenar/core'
import { incidentsPath } from '@entrenar/andon'
import { openStore, type ParquetStore } from '@entrenar/db'

/** Opens an existing store directory (`ENTRENAR_NOT_FOUND` when it does not exist). */
export async function openExistingStore(dir: string): Promise<ParquetStore> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar: store directory ${dir} does not exist`, { details: { dir } })
  return openStore(dir, { onCorrupt: (e) => process.stderr.write(`warning: ${e.message}\n`) })
}

/** Runs a function with an open store and closes it afterwards. */
export async function withStore<T>(dir: string, f: (store: ParquetStore) => Promise<T>): Promise<T> {
  const store = await openExistingStore(dir)
  try {
    return await f(store)
  } finally {
    await store.close()
  }
}

/** The incidents recorded in `<dir>/andon/incidents.jsonl` (of one run, when given); malformed lines are skipped. */
export function readIncidents(dir: string, runId?: string): Incident[] {
  const path = incidentsPath(dir)
  if (!existsSync(path)) return []
  const out: Incident[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue
    let o: Record<string, unknown>
    try {
      o = JSON.parse(line) as Record<string, unknown>
    } catch {
      continue
    }
    if (runId !== undefined && o.run_id !== runId) continue
    if (typeof o.level !== 'string' || typeof o.rule !== 'string' || typeof o.message !== 'string') continue
    out.push({
      level: o.level as Incident['level'],
      rule: o.rule,
      message: o.message,
      ...(typeof o.run_id === 'string' ? { runId: o.run_id } : {}),
      ...(typeof o.metric === 'string' ? { metric: o.metric } : {}),
      ...(typeof o.step === 'number' ? { step: o.step } : {}),
      ...(o.value !== undefined ? { value: floatFromWire(o.value as WireFloat) } : {}),
      timestampMs: typeof o.timestamp_ms === 'number' ? o.timestamp_ms : 0,
      decision: (typeof o.decision === 'string' ? o.decision : 'warn') as Incident['decision'],
    })
  }
  return out
}
