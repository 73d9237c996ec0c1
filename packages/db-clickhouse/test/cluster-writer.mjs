// A writer process of the cluster test: logs runs into a sharded ClickHouse store through one node, as a
// training job would. Uses the built packages (dist/).
//   node cluster-writer.mjs <url> <database> <cluster> <name> <runs> <batches per run> <rows per batch>
// Writes batch k of every run in turn, under the batch id `<name>-<run>-<k>`. After half of the batches it
// prints `half` and waits for a line on stdin. A write that fails is printed as `fail <id> <code>` and retried
// under the same id every 100 ms until it is acknowledged; an acknowledged write is printed as `ack <id>`.
// Ends with the runs' metadata (also retried), `done`, and exit 0.
import { createInterface } from 'node:readline'
import { batchFromRows } from '@entrenar/core'
import { openClickHouseStore } from '@entrenar/db-clickhouse'

const [url, database, cluster, name, runsArg, batchesArg, rowsArg] = process.argv.slice(2)
const RUNS = Number(runsArg)
const BATCHES = Number(batchesArg)
const ROWS = Number(rowsArg)
const T0 = 1_700_000_000_000_000
const say = (line) => process.stdout.write(`${line}\n`)
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()

const store = await openClickHouseStore({ url, database, cluster: { name: cluster } })
/** Retries `f` until it resolves; each failure is reported with its code. */
async function until(id, f) {
  for (;;) {
    try {
      await f()
      return
    } catch (e) {
      say(`fail ${id} ${e?.code ?? 'uncoded'}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}
const runs = Array.from({ length: RUNS }, (_, r) => `${name}-run-${r}`)
for (let k = 0; k < BATCHES; k++) {
  if (k === Math.floor(BATCHES / 2)) {
    say('half')
    await lines.next()
  }
  for (const run of runs) {
    const id = `${run}-${k}`
    // Values encode (run, step), so a row stored under another run or step is visible.
    const batch = batchFromRows(
      run,
      Array.from({ length: ROWS }, (_, i) => {
        const step = k * ROWS + i
        return { metric: 'loss', step, value: step + 0.5, timestampUs: T0 + step, epoch: null, batch: null, tags: null }
      }),
    )
    await until(id, () => store.writeBatch(batch, id))
    say(`ack ${id}`)
  }
}
for (const run of runs) await until(`run ${run}`, () => store.putRun({ id: run, name: run, startTimeMs: 1, status: 'finished' }))
await store.close()
say('done')
process.exit(0)
