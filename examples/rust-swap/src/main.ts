/**
 * The demo's main job with two parts swapped for their Rust counterparts, and nothing else changed:
 * - the store is the Rust `entrenar-store-server`, reached through the same `MetricStore` contract
 *   (`createHttpClient(metricStoreContract, url)`) instead of the Parquet store in ./runs;
 * - the loss detectors are the Rust ones (`@entrenar/drift-native`: rust/drift through its C ABI with koffi),
 *   with the same factory and options as `@entrenar/drift`'s.
 * The training loop is the demo's own (`runScenario`), and `entrenar report --url` then reads the
 * diverging run back from the Rust server. Andon incidents, drift events and reports stay in `--dir`.
 * Usage: `node dist/main.js [--epochs N] [--dir DIR] [--url URL]` (without `--url` it starts the server
 * itself, its file in DIR/metrics.store).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createHttpClient, metricStoreContract } from '@entrenar/core'
import { pageHinkley } from '@entrenar/drift-native'
import { fmt, runScenario, summaryTable } from '@entrenar/example-demo'
import type { MonitorOptions } from '@entrenar/monitor'
import { autoMonitor, runCli } from 'entrenar'
import { startRustStoreServer } from './rust-store.js'

const args = process.argv.slice(2)
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const epochs = Number(flag('--epochs') ?? '') || 60
const dir = flag('--dir') ?? './runs'
const token = process.env.ENTRENAR_TOKEN
// The two swaps: the detectors of `loss` and `val_loss` over FFI (created first: a missing native
// library fails here, before any server is started), and the store over HTTP.
const detectors = { loss: [pageHinkley({ mode: 'up' })], val_loss: [pageHinkley({ mode: 'up' })] }
mkdirSync(dir, { recursive: true })
const server = flag('--url') === undefined ? await startRustStoreServer(join(dir, 'metrics.store')) : undefined
const url = flag('--url') ?? server!.url
const out = { write: (t: string) => process.stdout.write(t), isTTY: Boolean(process.stdout.isTTY) }
const stamp = new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)

const store = createHttpClient(metricStoreContract, url, token ? { token } : {})
const open = (o: MonitorOptions) => autoMonitor({ ...o, dir, dashboard: false, store, detectors })

try {
  console.log(`Entrenar demo on Rust parts: a 4-16-3 MLP on Iris, stored by entrenar-store-server at ${url}\n`)
  const good = await runScenario({ runId: `iris-${stamp}`, name: 'iris lr=0.1', learningRate: 0.1, epochs, batchSize: 16, seed: 7 }, { out, open })
  console.log(`\nrun ${good.summary.runId}: ${good.steps} steps, status ${good.summary.status}, validation accuracy ${fmt(good.validation.accuracy)}\n`)
  console.log(summaryTable(good.summary.metrics))

  console.log('\nSecond scenario: the same model with learning rate 4 (40× too large)\n')
  const bad = await runScenario({ runId: `iris-diverge-${stamp}`, name: 'iris lr=4', learningRate: 4, epochs, batchSize: 16, seed: 7 }, { out, open })
  if (bad.stoppedAt === undefined) {
    console.error('the divergent run was not stopped: this is a bug')
    process.exitCode = 1
  } else {
    console.log(`\nstopped at step ${bad.stoppedAt}: ${bad.summary.reason}`)
    for (const i of bad.summary.incidents) console.log(`  incident [${i.level}] ${i.rule}: ${i.message}`)
    console.log(`\n${summaryTable(bad.summary.metrics)}`)
  }

  // The report reads the run back from the Rust server.
  console.log(`\nentrenar report ${dir} ${bad.summary.runId} --url ${url}\n`)
  const io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t), env: token ? { ENTRENAR_TOKEN: token } : {} }
  const code = await runCli(['report', dir, bad.summary.runId, '--url', url], io)
  if (code !== 0) process.exitCode = code
} finally {
  await server?.stop()
}
