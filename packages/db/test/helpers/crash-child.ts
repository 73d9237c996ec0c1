// A writer process for the crash test: logs batches of random size, flushes at random moments and
// prints `ack <n>` once flush() has resolved for the first n steps. The test kills it with SIGKILL.
import { batchFromRows } from '@entrenar/core'
import { openStore } from '../../src/index.js'

// Optional: a host name and a clock offset, to play a worker of another host of a shared volume
// whose clock runs `offset` ms ahead (so it judges the leases of earlier workers stale without waiting).
const [dir, runId, segmentRows, host, offset] = process.argv.slice(2) as [string, string, string, string?, string?]
const clock = offset ? () => Date.now() + Number(offset) : undefined
const store = await openStore(dir, {
  segmentRows: Number(segmentRows),
  rowGroupRows: 64,
  sealAfterMs: Number.POSITIVE_INFINITY,
  onCorrupt: () => {},
  ...(host ? { host } : {}),
  ...(clock ? { clock } : {}),
})
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
