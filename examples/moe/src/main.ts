/** `node dist/main.js [--steps N]`: the mixture-of-experts incident and its Hansei report. */
import { renderHanseiMarkdown } from '@entrenar/monitor'
import { runMoe } from './lib.js'

const args = process.argv.slice(2)
const steps = Number(args[args.indexOf('--steps') + 1] ?? '') || 600
const r = await runMoe({ steps })
console.log(`final loss ${r.finalLoss.toFixed(4)} — the loss curve alone looks fine.\n`)
for (const i of r.incidents) console.log(`incident [${i.level}] ${i.rule} on ${i.metric} at step ${i.step}: ${i.message}`)
console.log(`${r.driftEvents.filter((d) => d.signal === 'drift').length} drift events\n`)
console.log(renderHanseiMarkdown(r.report))
