// Opening a store of 1000 runs after clean closes (no partition listed for leftover temp files) against
// the same open with the sweep of every partition (the marker writers/temps.swept removed before it),
// alternately in one process, medians of 7. Usage: npx tsup (in packages/db), then
//   node packages/entrenar/bench/open1000.bench.mjs /tmp/runs1000      (a store of `entrenar generate`)
import { rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { openStore } from '@entrenar/db'
const dir = process.argv[2]
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1]
const clean = [], swept = []
for (let i = 0; i < 7; i++) {
  for (const mode of ['clean', 'swept']) {
    if (mode === 'swept') rmSync(`${dir}/writers/temps.swept`, { force: true })
    const t = performance.now()
    const s = await openStore(dir)
    const dt = performance.now() - t
    if (s.recovery.sweptTemps !== (mode === 'swept')) throw new Error('unexpected sweep state')
    ;(mode === 'clean' ? clean : swept).push(dt)
    await s.close()
  }
}
console.log(`open after a clean close ${med(clean).toFixed(1)} ms [${clean.map((x) => x.toFixed(0))}], with the sweep of every partition ${med(swept).toFixed(1)} ms [${swept.map((x) => x.toFixed(0))}] → ${(med(swept) / med(clean)).toFixed(1)}×; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
