// Insert encodings of the ClickHouse store, in the same run on the same batches: the store's write() (RowBinary:
// the value's bits copied from the batch's memory, integers written little-endian) against the TabSeparated
// insert it used before (each row a line of text, the value's bits as a decimal UInt64), as the peer. Rounds
// alternate between the two, each into a fresh table; both tables are checked to hold the same rows.
// Usage: node bench/insert.bench.mjs (uses dist/; needs clickhouse-server). BENCH_ROWS (default 1_000_000),
// BENCH_BATCH (default 10_000), BENCH_ROUNDS (default 3).
import { createClient } from '@clickhouse/client'
import { NULL_INT32 } from '@entrenar/core'
import { floatToBits, openClickHouseStore } from '@entrenar/db-clickhouse'
import { benchBatches, fmt, load, startClickHouse } from './clickhouse.mjs'

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const server = await startClickHouse('entrenar-ch-insert-')
const url = server.url
const batches = benchBatches(ROWS, BATCH)

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
  const loaded = load()
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
  out.push(`| ${r + 1} | ${loaded} | ${fmt(rows / (ms.rowbinary / 1000), 0)} | ${fmt(rows / (ms.tsv / 1000), 0)} | ${fmt(ms.tsv / ms.rowbinary, 2)}× |`)
}
await client.close()
await server.stop()
console.log(`${fmt(rows, 0)} rows in batches of ${fmt(BATCH, 0)}, acknowledged inserts`)
console.log('| round | load 1/5/15 min | RowBinary (store), rows/s | TabSeparated (before), rows/s | RowBinary speed-up |')
console.log('|---|---|---|---|---|')
for (const l of out) console.log(l)
