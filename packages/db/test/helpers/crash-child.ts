// A writer process for the crash test: logs batches of random size, flushes at random moments and
// prints `ack <n>` once flush() has resolved for the first n steps. The test kills it with SIGKILL.
import { batchFromRows } from '@entrenar/core'
import { openStore } from '../../src/index.js'

const [dir, runId, segmentRows] = process.argv.slice(2) as [string, string, string]
const store = await openStore(dir, { segmentRows: Number(segmentRows), rowGroupRows: 64, sealAfterMs: Number.POSITIVE_INFINITY, onCorrupt: () => {} })
process.stdout.write('ready\n')
let step = 0
for (;;) {
  const k = 1 + Math.floor(Math.random() * 40)
  const rows = []
  for (let i = 0; i < k; i++, step++) {
    rows.push({ metric: step % 2 ? 'loss' : 'acc', value: step % 7 === 0 ? Number.NaN : step / 3, step, timestampUs: 1_700_000_000_000_000 + step, epoch: null, batch: null, tags: null })
  }
  await store.write(batchFromRows(runId, rows))
  if (Math.random() < 0.4) {
    await store.flush()
    process.stdout.write(`ack ${step}\n`)
  }
}
