// Insert encodings of the ClickHouse store, in the same run on the same batches: the store's write() (RowBinary:
// the value's bits copied from the batch's memory, integers written little-endian) against the TabSeparated
// insert it used before (each row a line of text, the value's bits as a decimal UInt64), as the peer. Rounds
// alternate between the two, each into a fresh table; both tables are checked to hold the same rows.
// Usage: node bench/insert.bench.mjs (uses dist/; needs clickhouse-server). BENCH_ROWS (default 1_000_000),
// BENCH_BATCH (default 10_000), BENCH_ROUNDS (default 3).
import { spawn } from 'node:child_process'
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@clickhouse/client'
import { NULL_INT32, RecordBatchBuilder } from '@entrenar/core'
import { floatToBits, openClickHouseStore } from '@entrenar/db-clickhouse'

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const RUNS = 100
const METRICS = ['loss', 'accuracy', 'learning_rate', 'gradient_norm']
const T0 = 1_700_000_000_000_000
const root = mkdtempSync(join(tmpdir(), 'entrenar-ch-insert-'))
const fmt = (x, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d })

const binary = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server'].find((p) => {
  try {
    accessSync(p, constants.X_OK)
    return true
  } catch {
    return false
  }
})
if (!binary) {
  console.log('clickhouse-server is not installed (apt-get install clickhouse-server)')
  process.exit(0)
}
const port = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
const ch = join(root, 'ch')
for (const d of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(ch, d), { recursive: true })
const [http, tcp] = [await port(), await port()]
writeFileSync(
  join(ch, 'config.xml'),
  `<?xml version="1.0"?><yandex><logger><level>warning</level><console>1</console></logger><http_port>${http}</http_port><tcp_port>${tcp}</tcp_port><listen_host>127.0.0.1</listen_host><path>${ch}/data/</path><tmp_path>${ch}/tmp/</tmp_path><user_files_path>${ch}/user_files/</user_files_path><format_schema_path>${ch}/format_schemas/</format_schema_path><mark_cache_size>268435456</mark_cache_size><users_config>users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database><timezone>UTC</timezone></yandex>`,
)
writeFileSync(
  join(ch, 'users.xml'),
  '<?xml version="1.0"?><yandex><profiles><default></default></profiles><users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users><quotas><default></default></quotas></yandex>',
)
const server = spawn(binary, [`--config-file=${join(ch, 'config.xml')}`], { cwd: ch, stdio: 'ignore' })
const url = `http://127.0.0.1:${http}`
for (;;) {
  try {
    if ((await fetch(`${url}/?query=SELECT%201`)).ok) break
  } catch {}
  await new Promise((r) => setTimeout(r, 100))
}

/** Batch `k`: rows of one run, every metric in turn. */
function makeBatch(k) {
  const run = `run-${String(k % RUNS).padStart(3, '0')}`
  const b = new RecordBatchBuilder(run, BATCH)
  const ids = METRICS.map((m) => b.metricId(m))
  const base = Math.floor(k / RUNS) * BATCH
  for (let i = 0; i < BATCH; i++) {
    const row = base + i
    b.append(ids[row % METRICS.length], Math.sin(row) + 1, Math.floor(row / METRICS.length), T0 + row * 10, -2147483648, -2147483648, -1)
  }
  return b.finish()
}
const batches = Array.from({ length: Math.ceil(ROWS / BATCH) }, (_, k) => makeBatch(k))

const rows = batches.length * BATCH
const esc = (s) => s.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('\0', '\\0')

/** The TabSeparated insert of one batch, as the store built it before RowBinary. */
function tsv(batch, db, batchId) {
  const run = esc(batch.runId)
  const id = esc(batchId)
  const names = batch.metricNames.map(esc)
  const tags = batch.tagSets.map((t) => esc(JSON.stringify(t)))
  const lines = []
  for (let i = 0; i < batch.length; i++) {
    const e = batch.epoch[i]
    const b = batch.batch[i]
    const t = batch.tagIndex[i]
    lines.push(`${run}\t${names[batch.metric[i]]}\t${batch.step[i]}\t${Math.trunc(batch.timestampUs[i])}\t${e === NULL_INT32 ? '\\N' : e}\t${b === NULL_INT32 ? '\\N' : b}\t${floatToBits(batch.value[i])}\t${t < 0 ? '\\N' : tags[t]}\t${id}\t${i}`)
  }
  return `INSERT INTO ${db}.points (run_id, metric, step, timestamp_us, epoch, batch, value_bits, tags, batch_id, row_no) FORMAT TabSeparated\n${lines.join('\n')}\n`
}

const client = createClient({ url })
const out = []
for (let r = 0; r < ROUNDS; r++) {
  const a = await openClickHouseStore({ url, database: `rowbinary${r}` })
  const b = await openClickHouseStore({ url, database: `tsv${r}` })
  const load = loadavg()
  const order = r % 2 ? ['tsv', 'rowbinary'] : ['rowbinary', 'tsv']
  const ms = {}
  for (const kind of order) {
    const t0 = performance.now()
    if (kind === 'rowbinary') {
      for (const x of batches) await a.write(x)
      await a.flush()
    } else for (const [k, x] of batches.entries()) await client.command({ query: tsv(x, `tsv${r}`, `b${k}`) })
    ms[kind] = performance.now() - t0
  }
  const check = async (db) => (await (await client.query({ query: `SELECT count(), sum(value_bits % 1000003), sum(step), sum(timestamp_us % 1000003) FROM ${db}.points FINAL`, format: 'TabSeparated' })).text()).trim()
  const [ca, cb] = [await check(`rowbinary${r}`), await check(`tsv${r}`)]
  if (ca !== cb || !ca.startsWith(`${rows}\t`)) throw new Error(`the tables differ: ${ca} vs ${cb}`)
  await a.close()
  await b.close()
  out.push(`| ${r + 1} | ${load.map((x) => fmt(x, 2)).join(' ')} | ${fmt(rows / (ms.rowbinary / 1000), 0)} | ${fmt(rows / (ms.tsv / 1000), 0)} | ${fmt(ms.tsv / ms.rowbinary, 2)}× |`)
}
await client.close()
server.kill('SIGTERM')
await new Promise((r) => server.once('exit', r))
rmSync(root, { recursive: true, force: true })
console.log(`${fmt(rows, 0)} rows in batches of ${fmt(BATCH, 0)}, acknowledged inserts`)
console.log('| round | load 1/5/15 min | RowBinary (store), rows/s | TabSeparated (before), rows/s | RowBinary speed-up |')
console.log('|---|---|---|---|---|')
for (const l of out) console.log(l)
