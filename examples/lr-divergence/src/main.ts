/** `node dist/main.js [--dir ./runs]`: the runaway learning rate, stopped by the Andon. */
import { readFileSync } from 'node:fs'
import { runDivergence } from './lib.js'

const args = process.argv.slice(2)
const dir = args.includes('--dir') ? args[args.indexOf('--dir') + 1]! : './runs'
const r = await runDivergence({ dir })
console.log(`run ${r.runId} stopped at step ${r.stoppedAt}: ${r.reason}\n`)
for (const s of r.lrScalings) console.log(`Andon acted at step ${s.step}: learning rate × ${s.scale}`)
console.log(`\nincidents (${r.incidentsPath}):\n${readFileSync(r.incidentsPath, 'utf8')}`)
console.log(readFileSync(r.reportPath, 'utf8'))
