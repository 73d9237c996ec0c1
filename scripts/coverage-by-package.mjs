// Prints v8 line coverage per package from coverage/coverage-summary.json (written by `vitest --coverage`).
import { readFileSync } from 'node:fs'

const summary = JSON.parse(readFileSync(new URL('../coverage/coverage-summary.json', import.meta.url), 'utf8'))
const byPkg = new Map()
for (const [file, s] of Object.entries(summary)) {
  const m = /packages\/([^/]+)\/src\//.exec(file)
  if (!m) continue
  const t = byPkg.get(m[1]) ?? { covered: 0, total: 0 }
  t.covered += s.lines.covered
  t.total += s.lines.total
  byPkg.set(m[1], t)
}
console.log('package      lines covered')
for (const [pkg, t] of [...byPkg].sort()) {
  const pct = t.total ? (100 * t.covered) / t.total : 100
  console.log(`${pkg.padEnd(12)} ${pct.toFixed(1).padStart(5)}%  (${t.covered}/${t.total})${pct < 90 ? '  below the 90% aim' : ''}`)
}
