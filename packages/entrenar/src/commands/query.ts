import { AGGREGATES, type Aggregate, type Bucket, type MetricQuery, type QueryResult } from '@entrenar/core'
import { DUCKDB_INSTALL_HINT, type RunMetricSummary } from '@entrenar/db'
import { type Io, num, table, toJson, usage } from '../io.js'
import { withStore } from '../node/store.js'

/** Typed-query flags of `entrenar query`. */
export interface QueryFlags {
  /** `--run <id>` (repeatable): only these runs. */
  readonly run?: readonly string[]
  /** `--metric <name>` (repeatable): only these metrics. */
  readonly metric?: readonly string[]
  /** `lo:hi`, inclusive. */
  readonly steps?: string
  /** ISO time or microseconds. */
  readonly from?: string
  /** `--to <time>`: ISO time or microseconds, inclusive. */
  readonly to?: string
  /** `key=value`, repeatable. */
  readonly tag?: readonly string[]
  /** `--agg`: aggregate per series or bucket: mean, min, max, sum, count, std, p50, p90, p99, first, last. */
  readonly agg?: string
  /** `step:100`, `time:60s`, `points:800`. */
  readonly bucket?: string
  /** Output rows as CSV. */
  readonly csv?: boolean
  /** Most rows printed per series in the text table (default 20; all with --json/--csv). */
  readonly limit?: string
}

function timeUs(s: string, what: string): number {
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s)
  const t = Date.parse(s)
  if (Number.isNaN(t)) throw usage(`--${what} ${JSON.stringify(s)} is neither microseconds nor an ISO date`)
  return t * 1000
}

const UNITS: Record<string, number> = { us: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6 }

/** Builds the typed query from the flags (usage errors exit 2). */
export function queryFromFlags(f: QueryFlags): MetricQuery {
  const q: { -readonly [K in keyof MetricQuery]: MetricQuery[K] } = {}
  if (f.run?.length) q.runs = f.run
  if (f.metric?.length) q.metrics = f.metric
  if (f.steps !== undefined) {
    const m = /^(-?\d+)?:(-?\d+)?$/.exec(f.steps)
    if (!m) throw usage(`--steps ${JSON.stringify(f.steps)} must be lo:hi (either side may be empty)`)
    q.steps = [m[1] === undefined ? Number.MIN_SAFE_INTEGER : Number(m[1]), m[2] === undefined ? Number.MAX_SAFE_INTEGER : Number(m[2])]
  }
  if (f.from !== undefined) q.from = timeUs(f.from, 'from')
  if (f.to !== undefined) q.to = timeUs(f.to, 'to')
  if (f.tag?.length) {
    const tags: Record<string, string> = {}
    for (const t of f.tag) {
      const i = t.indexOf('=')
      if (i <= 0) throw usage(`--tag ${JSON.stringify(t)} must be key=value`)
      tags[t.slice(0, i)] = t.slice(i + 1)
    }
    q.tags = tags
  }
  if (f.agg !== undefined) {
    if (!(AGGREGATES as readonly string[]).includes(f.agg)) throw usage(`--agg ${JSON.stringify(f.agg)} is not one of ${AGGREGATES.join(', ')}`)
    q.aggregate = f.agg as Aggregate
  }
  if (f.bucket !== undefined) q.bucket = bucketOf(f.bucket)
  return q
}

function bucketOf(s: string): Bucket {
  const m = /^(step|time|points):(\d+(?:\.\d+)?)(us|ms|s|m|h)?$/.exec(s)
  if (!m) throw usage(`--bucket ${JSON.stringify(s)} must be step:N, time:N[us|ms|s|m|h] or points:N`)
  const n = Number(m[2])
  if (!(n > 0)) throw usage(`--bucket size must be > 0, got ${m[2]}`)
  if (m[1] === 'points') return { points: Math.floor(n), mode: 'minmax-last' }
  if (m[1] === 'time') return { by: 'time', size: n * (UNITS[m[3] ?? 'us'] ?? 1) }
  return { by: 'step', size: n }
}

const COLUMNS = ['min', 'max', 'count', 'nanCount', 'timestampUs'] as const

/** Flattens series into rows `run, metric, x, value[, min, max, count, nan_count, timestamp_us]`. */
function rowsOf(res: QueryResult, limit: number): { head: string[]; rows: string[][]; truncated: number } {
  const extra = COLUMNS.filter((c) => res.series.some((s) => s[c] !== undefined))
  const head = ['run', 'metric', 'x', 'value', ...extra.map((c) => c.replace(/[A-Z]/g, (l) => `_${l.toLowerCase()}`))]
  const rows: string[][] = []
  let truncated = 0
  for (const s of res.series) {
    const n = s.x.length
    const shown = Math.min(n, limit)
    truncated += n - shown
    for (let i = 0; i < shown; i++) rows.push([s.runId, s.metric, String(s.x[i]), num(s.value[i]), ...extra.map((c) => (s[c] === undefined ? '' : c === 'timestampUs' ? String(s[c]![i]) : num(s[c]![i])))])
  }
  return { head, rows, truncated }
}

/** `entrenar query <dir> ["<sql>"] [typed flags]`: SQL through DuckDB, or the typed query. */
export async function queryCommand(dir: string, sql: string | undefined, flags: QueryFlags, io: Io): Promise<number> {
  const limit = flags.limit === undefined ? 20 : Number(flags.limit)
  if (!(limit > 0)) throw usage(`--limit must be a positive number, got ${flags.limit}`)
  if (sql !== undefined) {
    const res = await withStore(dir, (store) =>
      store.sql(sql).catch((e: unknown) => {
        if ((e as { code?: string }).code === 'ENTRENAR_UNSUPPORTED') io.err(`SQL needs DuckDB: ${DUCKDB_INSTALL_HINT}\n`)
        throw e
      }),
    )
    if (io.json) io.out(toJson(res))
    else if (flags.csv) io.out(csv(res.columns, res.rows.map((r) => r.map(cell))))
    else io.out(table([...res.columns], res.rows.map((r) => r.map(cell)), []))
    if (res.truncated && !io.json) io.err(`… more rows than the ${res.rows.length} shown (the SQL row cap): add LIMIT, aggregate, or filter\n`)
    return 0
  }
  const q = queryFromFlags(flags)
  const { res, known } = await withStore(dir, async (store) => {
    const res = await store.query(q)
    // Nothing matched: say what the store holds (from the run catalog, no segment read), so a misspelt
    // run or metric is not mistaken for an empty run.
    return { res, known: res.series.length === 0 && !io.json ? await store.metricSummaries() : undefined }
  })
  if (known !== undefined) io.err(nothingMatched(q, known))
  if (io.json) {
    io.out(toJson({ query: q, series: res.series }))
    return 0
  }
  const all = flags.csv ? Number.POSITIVE_INFINITY : limit
  const { head, rows, truncated } = rowsOf(res, all)
  if (flags.csv) io.out(csv(head, rows))
  else {
    io.out(table(head, rows, [0, 1]))
    if (truncated) io.out(`… ${truncated} more rows (use --limit, --bucket, --agg, --csv or --json)\n`)
  }
  return 0
}

/** The note on stderr when a typed query matched no series: which of its runs and metrics the store lacks, and what it has. */
function nothingMatched(q: MetricQuery, known: readonly RunMetricSummary[]): string {
  const runs = known.map((r) => r.runId)
  const metrics = [...new Set(known.flatMap((r) => r.metrics.map((m) => m.name)))].sort()
  const list = (xs: readonly string[]) => (xs.length > 10 ? `${xs.slice(0, 10).join(', ')} … (${xs.length} in all)` : xs.join(', ') || 'none')
  const missingRuns = (q.runs ?? []).filter((r) => !runs.includes(r))
  const missingMetrics = (q.metrics ?? []).filter((m) => !metrics.includes(m))
  const why = [
    ...(missingRuns.length ? [`no run ${missingRuns.map((r) => JSON.stringify(r)).join(', ')} (runs: ${list(runs)})`] : []),
    ...(missingMetrics.length ? [`no metric ${missingMetrics.map((m) => JSON.stringify(m)).join(', ')} (metrics: ${list(metrics)})`] : []),
  ]
  return `no points match this query${why.length ? `: ${why.join('; ')}` : ' (its step, time or tag filters leave nothing)'}\n`
}

function cell(v: unknown): string {
  if (typeof v === 'number') return num(v)
  if (typeof v === 'bigint') return v.toString()
  if (v === null || v === undefined) return ''
  return typeof v === 'string' ? v : JSON.stringify(v)
}

function csv(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
  return `${[head, ...rows].map((r) => r.map(q).join(',')).join('\n')}\n`
}
