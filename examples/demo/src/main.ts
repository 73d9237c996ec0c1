/**
 * The main job: a monitored training run on Fisher's Iris, then the same model with a learning rate
 * 40× too large, which diverges and is stopped by the monitor at the step where its loss became
 * non-finite. Usage: `node dist/main.js [--epochs N] [--store DIR]`.
 */
import { createMemoryStore } from '@entrenar/core'
import { fmt, runScenario, summaryTable } from './run.js'

const args = process.argv.slice(2)
const epochs = Number(args[args.indexOf('--epochs') + 1] ?? '') || 60
const out = { write: (t: string) => process.stdout.write(t), isTTY: Boolean(process.stdout.isTTY) }
const store = createMemoryStore()
const stamp = new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)

console.log('Entrenar demo: a 4-16-3 MLP on Iris, monitored\n')
const good = await runScenario({ runId: `iris-${stamp}`, name: 'iris lr=0.1', learningRate: 0.1, epochs, batchSize: 16, seed: 7 }, { store, out })
console.log(`\nrun ${good.summary.runId}: ${good.steps} steps, status ${good.summary.status}, validation accuracy ${fmt(good.validation.accuracy)}\n`)
console.log(summaryTable(good.summary.metrics))

console.log('\nSecond scenario: the same model with learning rate 4 (40× too large)\n')
const bad = await runScenario({ runId: `iris-diverge-${stamp}`, name: 'iris lr=4', learningRate: 4, epochs, batchSize: 16, seed: 7 }, { store, out })
if (bad.stoppedAt === undefined) {
  console.error('the divergent run was not stopped: this is a bug')
  process.exitCode = 1
} else {
  console.log(`\nstopped at step ${bad.stoppedAt}: ${bad.summary.reason}`)
  for (const i of bad.summary.incidents) console.log(`  incident [${i.level}] ${i.rule}: ${i.message}`)
  console.log(`\n${summaryTable(bad.summary.metrics)}`)
}
const runs = await store.runs()
console.log(`\nstore: ${runs.length} runs (${runs.map((r) => `${r.id} ${r.status}`).join(', ')})`)
