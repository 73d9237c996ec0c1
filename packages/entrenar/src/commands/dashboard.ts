import type { RecordBatch } from '@entrenar/core'
import { createLineage } from '@entrenar/graph'
import { isLoopbackHost } from '@entrenar/core/node'
import { createSvgDashboard, createTerminalDashboard, serveWebDashboard } from '@entrenar/viz'
import { type Io, toJson, usage, warnOn } from '../io.js'
import { driftEventsPath, readDriftEventsOf, warnUnreadable } from '../node/drift-log.js'
import { openExistingStore, openStoreUrl, readIncidents } from '../node/store.js'

/** Flags of `entrenar dashboard`. */
export interface DashboardFlags {
  /** `--run <id>` (repeatable): only these runs. */
  readonly run?: readonly string[]
  /** `--png <file>`: write the dashboard as a PNG file instead of drawing it. */
  readonly png?: string
  /** `--web`: serve the live web dashboard. */
  readonly web?: boolean
  /** `--port <n>`: port of the web dashboard. Default 6006. */
  readonly port?: string
  /** `--host <host>`: interface to bind. Default 127.0.0.1 (others need a token). */
  readonly host?: string
  /** `--token <token>`: bearer token of the web dashboard; required off loopback. */
  readonly token?: string
  /** More names the `Host` header may carry (repeatable). */
  readonly allowedHost?: readonly string[]
  /** Serve off loopback without a token (printed as a warning). */
  readonly insecureNoToken?: boolean
  /** Draw one terminal frame and exit (also the default when stdout is not a terminal). */
  readonly once?: boolean
  /** `--ascii`: draw with ASCII instead of braille characters. */
  readonly ascii?: boolean
  /** Read points and runs from a ClickHouse store (`clickhouse://host:8123/db`); `<dir>` keeps incidents and lineage. */
  readonly store?: string
}

/**
 * `entrenar dashboard <dir>`: the live terminal dashboard over a store (polled), one PNG
 * (`--png file`), or the web dashboard (`--web --port n`, until Ctrl-C).
 */
export async function dashboardCommand(dir: string, flags: DashboardFlags, io: Io): Promise<number> {
  const store = flags.store === undefined ? await openExistingStore(dir) : await openStoreUrl(flags.store)
  try {
    const runs = flags.run?.length ? flags.run : undefined
    if (flags.web) {
      const port = flags.port === undefined ? 6006 : Number(flags.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port ${flags.port} is not a TCP port`)
      const lineage = await createLineage({ dir, onError: warnOn(io) })
      const server = await serveWebDashboard(store, {
        port,
        lineage,
        storeDir: dir,
        ...(flags.host ? { host: flags.host } : {}),
        ...(flags.token ? { token: flags.token } : {}),
        ...(flags.allowedHost?.length ? { allowedHosts: flags.allowedHost } : {}),
        ...(flags.insecureNoToken ? { insecureNoToken: true } : {}),
      })
      if (flags.insecureNoToken && !flags.token && !isLoopbackHost(flags.host ?? '127.0.0.1')) {
        io.err(`WARNING: the web dashboard serves ${flags.host} WITHOUT a token (--insecure-no-token): anyone who can reach port ${server.port} reads every run and its config.\n`)
      }
      if (io.json) io.out(toJson({ url: server.url, port: server.port }))
      else io.out(`web dashboard at ${server.url} (Ctrl-C to stop)\n`)
      await untilAborted(io.signal)
      await server.close()
      await lineage.close()
      return 0
    }
    const batches: RecordBatch[] = await store.range(0, Number.MAX_SAFE_INTEGER, runs ? { runs } : {})
    const incidents = runs ? runs.flatMap((r) => readIncidents(dir, r)) : readIncidents(dir)
    if (flags.png) {
      // Drift change points come from <dir>/drift/events.jsonl, as in the web dashboard and the HTML report.
      // Only the drawn runs' events are kept as the log streams by.
      const drift = readDriftEventsOf(dir, runs)
      warnUnreadable(io, driftEventsPath(dir), drift.malformed, drift.problems[0])
      const driftEvents = drift.events
      const dash = createSvgDashboard({ title: `Entrenar: ${runs?.join(', ') ?? dir}` })
      for (const batch of batches) dash.update({ batch })
      dash.update({ incidents, driftEvents })
      await dash.savePng(flags.png)
      if (io.json) io.out(toJson({ png: flags.png, runs: batches.map((b) => b.runId), driftChangePoints: driftEvents.filter((e) => e.signal === 'drift').length }))
      else io.out(`dashboard written to ${flags.png}\n`)
      return 0
    }
    const live = !flags.once && io.stdoutTty && !io.json
    const dash = createTerminalDashboard({
      source: store,
      ...(runs ? { runs } : {}),
      alerts: { history: () => incidents },
      live,
      color: io.color,
      env: io.env,
      ...(flags.ascii ? { ascii: true } : {}),
      ...(live ? (io.terminal ? { stream: io.terminal } : {}) : { stream: { write: (t: string) => { io.out(t); return true }, isTTY: false, columns: 100, rows: 30 } }),
    })
    if (live) {
      await dash.refresh()
      await untilAborted(io.signal)
    } else await dash.refresh()
    await dash.close()
    return 0
  } finally {
    await store.close()
  }
}

/** Resolves when the signal aborts (Ctrl-C). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), { once: true })
  })
}
