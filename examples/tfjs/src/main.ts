/** `node dist/main.js [--epochs N]`: trains Iris with tfjs under Entrenar and prints the summary. */
import { trainIris } from './lib.js'

const args = process.argv.slice(2)
const epochs = Number(args[args.indexOf('--epochs') + 1] ?? '') || 60
const r = await trainIris({ epochs })
console.log(`run ${r.summary.runId}: ${r.epochsRun} epochs, status ${r.summary.status}, validation accuracy ${r.valAccuracy.toFixed(3)}`)
for (const [name, s] of Object.entries(r.summary.metrics)) console.log(`  ${name.padEnd(13)} n=${s.samples}  last=${s.last.toFixed(4)}  min=${s.min.toFixed(4)}  max=${s.max.toFixed(4)}`)
for (const i of r.summary.incidents) console.log(`  incident [${i.level}] ${i.rule}: ${i.message}`)
