// Ingest benchmarks of @entrenar/db against DuckDB in the same run (section 1 of store.bench.mjs; run alone with
// `node bench/ingest.bench.mjs`, after `npx tsup` in packages/db):
//   a. a 200k-row burst, each 10k rows flushed and awaited (the WAL path: segments written at close);
//   b. a sustained run of BENCH_INGEST_ROWS (default 10M) 1k-row batches, a flush every 10k rows whose
//      acknowledgements are awaited a few flushes behind (as a training loop that does not stall on the disk),
//      segments encoded on the worker thread meanwhile under the 64 MiB buffer bound;
//   c. the same, each flush awaited before the next batch (BENCH_SERIAL_ROWS, default 2M);
//   d. Parquet encoding behind the WAL: `seal()` of BENCH_ENCODE_ROWS (default 2M) buffered rows into durable
//      segments, against DuckDB's `COPY … TO … (FORMAT parquet)` of the same rows.
// The peer of a–c is the DuckDB appender (+ CHECKPOINT) on the first BENCH_PEER_ROWS (default 2M) rows of the
// same batches: it appends value by value through JavaScript and is the slow side, so it gets fewer rows.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { DuckDBInstance, timestampTZValue } from '@duckdb/node-api'
import { openStore } from '@entrenar/db'

const T0 = 1_700_000_000_000_000
const NULL_INT32 = -2147483648
const METRICS = ['loss', 'accuracy', 'learning_rate', 'gradient_norm', 'tokens_per_second', 'grad_scale', 'val_loss', 'lr_warmup']
const fmt = (x, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d })
const mrows = (n) => (n >= 1e6 ? `${fmt(n / 1e6, 0)}M` : `${fmt(n / 1e3, 0)}k`)
const mps = (rows, ms) => `${fmt(rows / (ms / 1000) / 1e6, 2)} M rows/s`
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ')

/** Rows `first … first+n-1` of one run, every metric in turn (as a training loop logs them), built column by column. */
function batchAt(runId, first, n) {
  const metric = new Uint32Array(n)
  const value = new Float64Array(n)
  const step = new Float64Array(n)
  const timestampUs = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const row = first + i
    metric[i] = row % METRICS.length
    value[i] = Math.sin(row) + 1
    step[i] = Math.floor(row / METRICS.length)
    timestampUs[i] = T0 + row * 10
  }
  const nulls = new Int32Array(n).fill(NULL_INT32)
  return { runId, length: n, metricNames: METRICS, metric, value, step, timestampUs, epoch: nulls, batch: nulls.slice(), tagSets: [], tagIndex: new Int32Array(n).fill(-1) }
}

function batches(runId, rows) {
  const out = []
  for (let first = 0; first < rows; first += 1000) out.push(batchAt(runId, first, Math.min(1000, rows - first)))
  return out
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]

/**
 * Writes `list`, calling flush() after every 10 batches. `depth` 1 awaits each flush before the next
 * batch; a larger depth lets that many acknowledgements be outstanding (the oldest is awaited first).
 */
async function ingest(dir, list, depth) {
  const store = await openStore(dir)
  const acks = []
  const inflight = []
  let maxBuffered = 0
  let segmentsBeforeClose = 0
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < list.length; i++) {
    await store.write(list[i])
    if (i % 10 === 9 || i === list.length - 1) {
      const s = performance.now()
      inflight.push(store.flush().then(() => acks.push(performance.now() - s)))
      while (inflight.length >= depth) await inflight.shift()
      const st = store.stats()
      if (st.bufferedBytes > maxBuffered) maxBuffered = st.bufferedBytes
    }
  }
  await Promise.all(inflight)
  const durableMs = performance.now() - t0
  const st = store.stats()
  segmentsBeforeClose = st.segmentsWritten
  await store.close()
  const sealedMs = performance.now() - t0
  const cpu = process.cpuUsage(c0)
  acks.sort((a, b) => a - b)
  return { durableMs, sealedMs, cpuMs: (cpu.user + cpu.system) / 1000, acks, maxBuffered, segmentsBeforeClose, syncs: st.walSyncs, threaded: st.threadedEncoding }
}

async function duckAppender(root, name, list) {
  const duck = await DuckDBInstance.create(join(root, `${name}.duckdb`))
  const conn = await duck.connect()
  await conn.run('CREATE TABLE metrics (timestamp TIMESTAMPTZ, run_id VARCHAR, step BIGINT, epoch INTEGER, batch INTEGER, metric VARCHAR, value DOUBLE, tags VARCHAR)')
  const app = await conn.createAppender('metrics')
  let rows = 0
  const d0 = performance.now()
  for (let i = 0; i < list.length; i++) {
    const x = list[i]
    for (let r = 0; r < x.length; r++) {
      app.appendTimestampTZ(timestampTZValue(BigInt(x.timestampUs[r])))
      app.appendVarchar(x.runId)
      app.appendBigInt(BigInt(x.step[r]))
      app.appendNull()
      app.appendNull()
      app.appendVarchar(x.metricNames[x.metric[r]])
      app.appendDouble(x.value[r])
      app.appendNull()
      app.endRow()
    }
    rows += x.length
    if (i % 10 === 9) app.flushSync()
  }
  app.closeSync()
  await conn.run('CHECKPOINT')
  const ms = performance.now() - d0
  return { rows, ms, duck, conn }
}

/** The ingest scenarios; returns table rows `[scenario, @entrenar/db, DuckDB, ratio]`. */
export async function ingestScenarios(root) {
  const SUSTAINED = Number(process.env.BENCH_INGEST_ROWS ?? 10_000_000)
  const SERIAL = Number(process.env.BENCH_SERIAL_ROWS ?? 2_000_000)
  const PEER = Number(process.env.BENCH_PEER_ROWS ?? 2_000_000)
  const ENCODE = Number(process.env.BENCH_ENCODE_ROWS ?? 2_000_000)
  const DEPTH = Number(process.env.BENCH_ACK_DEPTH ?? 8)
  const out = []
  const all = batches('ingest', Math.max(SUSTAINED, SERIAL, PEER, 200_000))
  const first = (rows) => all.slice(0, Math.ceil(rows / 1000))

  const peer = await duckAppender(root, 'peer', first(PEER))
  peer.conn.closeSync()
  peer.duck.closeSync()
  const theirs = peer.rows / (peer.ms / 1000)
  const vsPeer = (rows, ms) => `${fmt(rows / (ms / 1000) / theirs, 2)}× DuckDB appender`
  out.push([`DuckDB appender + CHECKPOINT, ${mrows(peer.rows)} rows (the peer of the rows below)`, '', mps(peer.rows, peer.ms), `load ${load()}`])

  const runs = [
    ['200k-row burst, each flush awaited (WAL path, segments at close)', 200_000, 1],
    [`sustained ${mrows(SUSTAINED)} rows, acks ≤ ${DEPTH} flushes behind, segments written meanwhile`, SUSTAINED, DEPTH],
    [`sustained ${mrows(SERIAL)} rows, each flush awaited, segments written meanwhile`, SERIAL, 1],
  ]
  for (const [label, rows, depth] of runs) {
    const r = await ingest(join(root, `ingest-${rows}-${depth}`), first(rows), depth)
    out.push([`durable ingest, ${label} (flush every 10k rows)`, mps(rows, r.durableMs), '', vsPeer(rows, r.durableMs)])
    out.push([`  … until every row is in Parquet (close)`, mps(rows, r.sealedMs), '', `${r.segmentsBeforeClose} segments before close, ${r.threaded ? 'worker-thread' : 'inline'} encoding`])
    out.push(['  CPU per row, both threads, until close (process.cpuUsage)', `${fmt((r.cpuMs * 1e6) / rows, 0)} ns`, '', `${mps(rows, r.cpuMs)} per CPU-second`])
    out.push([`  flush acknowledged after (p50 / p99), WAL fsyncs, peak buffer`, `${fmt(pct(r.acks, 0.5), 2)} / ${fmt(pct(r.acks, 0.99), 2)} ms`, '', `${r.syncs} fsyncs, ${fmt(r.maxBuffered / 2 ** 20, 1)} MiB (bound 64)`])
    out.push(['  load average after', load(), '', ''])
  }

  // d. Parquet encoding behind the WAL: the rows are durable in the WAL; seal() writes them as segments. Three
  // rounds on one store (the worker warm, as in a long run), against DuckDB's COPY of the same rows, three times.
  {
    const ROUNDS = 3
    const dir = join(root, 'encode')
    const store = await openStore(dir, { segmentRows: 1 << 30, maxBufferBytes: 2 ** 31, sealAfterMs: Number.POSITIVE_INFINITY })
    const ours = []
    let list = []
    for (let r = 0; r < ROUNDS; r++) {
      list = []
      for (let first = 0; first < ENCODE; first += 1000) list.push(batchAt('encode', r * ENCODE + first, Math.min(1000, ENCODE - first)))
      for (const b of list) await store.write(b)
      await store.flush()
      const s0 = performance.now()
      await store.seal()
      ours.push(performance.now() - s0)
    }
    const threaded = store.stats().threadedEncoding
    await store.close()
    const duck = await DuckDBInstance.create(':memory:')
    const conn = await duck.connect()
    await conn.run('CREATE TABLE metrics (timestamp TIMESTAMPTZ, run_id VARCHAR, step BIGINT, epoch INTEGER, batch INTEGER, metric VARCHAR, value DOUBLE, tags VARCHAR)')
    const app = await conn.createAppender('metrics')
    for (const x of list) {
      for (let r = 0; r < x.length; r++) {
        app.appendTimestampTZ(timestampTZValue(BigInt(x.timestampUs[r])))
        app.appendVarchar(x.runId)
        app.appendBigInt(BigInt(x.step[r]))
        app.appendNull()
        app.appendNull()
        app.appendVarchar(x.metricNames[x.metric[r]])
        app.appendDouble(x.value[r])
        app.appendNull()
        app.endRow()
      }
    }
    app.closeSync()
    const theirs = []
    for (let r = 0; r < ROUNDS; r++) {
      const d0 = performance.now()
      await conn.run(`COPY (SELECT * FROM metrics ORDER BY metric, step) TO '${join(root, `encode-duck-${r}.parquet`)}' (FORMAT parquet)`)
      theirs.push(performance.now() - d0)
    }
    conn.closeSync()
    duck.closeSync()
    const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1]
    out.push([
      `Parquet encoding behind the WAL: seal() of ${mrows(ENCODE)} WAL-durable rows into a durable segment (median of ${ROUNDS})`,
      mps(ENCODE, med(ours)),
      mps(ENCODE, med(theirs)),
      `${fmt(med(theirs) / med(ours), 2)}× DuckDB COPY TO parquet (${threaded ? 'worker thread' : 'inline'}; rounds ${ours.map((m) => fmt(ENCODE / m / 1000, 2)).join(' / ')} M/s), load ${load()}`,
    ])
  }
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = mkdtempSync(join(tmpdir(), 'entrenar-db-ingest-'))
  try {
    console.log(`load average before: ${load()}`)
    const out = await ingestScenarios(root)
    const w = [0, 1, 2, 3].map((i) => Math.max(...out.map((r) => r[i].length), ['scenario', '@entrenar/db', 'DuckDB', 'ratio'][i].length))
    const line = (r) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`
    console.log(line(['scenario', '@entrenar/db', 'DuckDB', 'ratio']))
    console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`)
    for (const r of out) console.log(line(r))
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
