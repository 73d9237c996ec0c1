/** The CLI's file-system glue: opening a store directory and reading its incident log. */
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { incidentsPath } from '@entrenar/andon'
import { createHttpClient, EntrenarError, ErrorCodes, type Incident, type MetricStore, metricStoreContract } from '@entrenar/core'
import { openStore, type ParquetStore } from '@entrenar/db'
import { readIncidentLogSync } from '@entrenar/andon/node'
import type { StoredRecords } from './jsonl.js'

/**
 * Opens an existing store directory (`ENTRENAR_NOT_FOUND` when it does not exist); read-only when this
 * process may not write it (another user's store, a read-only medium): reading commands then work there.
 */
export async function openExistingStore(dir: string): Promise<ParquetStore> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar: store directory ${dir} does not exist`, { details: { dir } })
  return openStore(dir, { onCorrupt: (e) => process.stderr.write(`warning: ${e.message}\n`), ...(writable(dir) ? {} : { readOnly: true }) })
}

/** True when this process may create files in `dir`. */
function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK)
    return true
  } catch {
    return false
  }
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

/** Where a command reads its store: a server speaking `/v1/store/*` (`entrenar serve`, `entrenar-store-server`) instead of the directory. */
export interface RemoteStoreFlags {
  readonly url?: string
  /** A database store instead of the directory's Parquet store: `clickhouse://host:8123/db`. */
  readonly store?: string
  /** Bearer token for `url`. */
  readonly token?: string
}

/**
 * Runs a function with the store at `remote.url` when given (through the HTTP client of
 * `metricStoreContract`; the remote store is not closed), else with the store directory `dir`.
 */
export async function withStoreAt<T>(dir: string, remote: RemoteStoreFlags, f: (store: MetricStore) => Promise<T>): Promise<T> {
  if (remote.store !== undefined) {
    if (remote.url !== undefined) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar: give --store or --url, not both')
    const store = await openStoreUrl(remote.store)
    try {
      return await f(store)
    } finally {
      await store.close()
    }
  }
  if (remote.url === undefined) return withStore(dir, f)
  let url: URL
  try {
    url = new URL(remote.url)
  } catch {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar: --url ${JSON.stringify(remote.url)} is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar: --url ${remote.url} must be http or https`)
  return f(createHttpClient(metricStoreContract, remote.url, remote.token ? { token: remote.token } : {}))
}

/**
 * Opens the store a `--store` URL names: `clickhouse://host:port/db` (the server's HTTP port; user and
 * password in the URL; `clickhouse+https://` over TLS). `ENTRENAR_INVALID_CONFIG` for any other scheme.
 */
export async function openStoreUrl(url: string, sql?: { timeoutMs?: number; maxRows?: number }): Promise<MetricStore & { close(): Promise<void> }> {
  if (!/^clickhouse(\+https)?:\/\//.test(url)) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar: --store ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//…@'))} is not a store URL (clickhouse://host:8123/database)`)
  }
  const { openClickHouseStore, parseClickHouseUrl } = await import('@entrenar/db-clickhouse')
  return openClickHouseStore({ ...parseClickHouseUrl(url), ...(sql && Object.keys(sql).length ? { sql } : {}) })
}

/**
 * The incidents in `<dir>/andon/incidents.jsonl` (of one run, when given), with the count of unreadable
 * lines (not JSON, not an incident, or over the Andon's line limit), read in chunks by the Andon's reader.
 */
export function readIncidentLog(dir: string, runId?: string): StoredRecords<Incident> {
  const log = readIncidentLogSync(incidentsPath(dir), runId === undefined ? {} : { runId })
  return { events: log.incidents, malformed: log.unreadable }
}

/** The incidents recorded in `<dir>/andon/incidents.jsonl` (of one run, when given); malformed lines are skipped. */
export function readIncidents(dir: string, runId?: string): Incident[] {
  return readIncidentLog(dir, runId).events
}
