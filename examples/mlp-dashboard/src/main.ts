/** `node dist/main.js [--epochs N]`: trains an MLP on Iris with the live terminal dashboard. */
import { trainWithDashboard } from './lib.js'

const args = process.argv.slice(2)
const epochs = Number(args[args.indexOf('--epochs') + 1] ?? '') || 80
const r = await trainWithDashboard({ epochs, epochDelayMs: process.stdout.isTTY ? 50 : 0 })
console.log(`\n${r.summary.runId}: status ${r.summary.status}, validation accuracy ${r.valAccuracy.toFixed(3)}, ${r.frames} frames drawn`)
