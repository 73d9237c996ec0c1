/**
 * The main job: a monitored training run on Fisher's Iris, then the same model with a learning rate
 * 40× too large, which diverges and is stopped by the Andon at the step where its loss became
 * non-finite. Everything goes through `autoMonitor()`: the Parquet store in ./runs, the rules of
 * ./renacer.toml (incidents in ./runs/andon/incidents.jsonl), the lineage node and the Hansei report.
 * Usage: `node dist/main.js [--epochs N] [--dir DIR]`.
 */
import type { MonitorOptions } from '@entrenar/monitor'
import { autoMonitor } from 'entrenar'
import { fmt, lookFurther, runScenario, summaryTable } from './run.js'

const args = process.argv.slice(2)
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const epochs = Number(flag('--epochs') ?? '') || 60
const dir = flag('--dir') ?? './runs'
const out = { write: (t: string) => process.stdout.write(t), isTTY: Boolean(process.stdout.isTTY) }
const stamp = new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)
const open = (o: MonitorOptions) => autoMonitor({ ...o, dir, dashboard: false })

console.log(`Entrenar demo: a 4-16-3 MLP on Iris, monitored into ${dir} (Parquet), rules from renacer.toml\n`)
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
console.log(`\nstored in ${dir}: incidents in ${dir}/andon/incidents.jsonl, reports in ${dir}/reports/`)
console.log(`look further: ${lookFurther(dir, bad.summary.runId).map((argv) => `npx entrenar ${argv.join(' ')}`).join(' · ')}`)
