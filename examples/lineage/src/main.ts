/** `node dist/main.js [--dir ./runs]`: three model versions and the source of the regression. */
import { buildLineage } from './lib.js'

const args = process.argv.slice(2)
const dir = args.includes('--dir') ? args[args.indexOf('--dir') + 1] : undefined
const { lineage, results, source } = await buildLineage(dir ? { dir } : {})
for (const [id, r] of Object.entries(results)) console.log(`${id}: validation accuracy ${r.accuracy.toFixed(3)}, loss ${r.loss.toFixed(3)}`)
if (source) {
  console.log(`\nregression of accuracy: ${source.parent} → ${source.model} (${source.derivation.changeType}: ${source.derivation.description}), ${source.before.toFixed(3)} → ${source.after.toFixed(3)}`)
  console.log('config diff:', JSON.stringify((await lineage.diff(source.parent, source.model)).config))
}
console.log(`\n${await lineage.export('mermaid')}`)
await lineage.close()
