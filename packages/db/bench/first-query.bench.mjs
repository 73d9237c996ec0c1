// Usage: npx tsup (packages/db), then node packages/db/bench/first-query.bench.mjs <store of `entrenar generate --runs 1000`>
// (a hard-link copy: opening writes a lease into the store). Median of 3 rounds per case, load printed.
// First series query of a dashboard (100 runs' loss, minmax-last buckets) after the server starts:
// (a) no warm-up, (b) warm() started at open and the query sent at once, (c) the query after warm() completed.
import { loadavg } from 'node:os'
import { openStore } from '@entrenar/db'
const dir = process.argv[2]
const runs = Array.from({ length: 100 }, (_, i) => `run-${String(i * 10).padStart(3, '0')}`)
const q = { runs, metrics: ['loss'], bucket: { points: 1352, mode: 'minmax-last' } }
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ')
console.log('load', load())
const res = { a: [], b: [], c: [], w: [] }
for (let r = 0; r < 3; r++) {
  for (const k of ['a', 'b', 'c']) {
    const s = await openStore(dir, { onCorrupt: () => {}, recoverWal: false })
    if (k === 'b') void s.warm()
    if (k === 'c') { const t = performance.now(); await s.warm(); res.w.push(performance.now() - t) }
    const t0 = performance.now()
    const out = await s.query(q)
    res[k].push(performance.now() - t0)
    if (out.series.length !== 100) throw new Error(`series ${out.series.length}`)
    await s.close()
  }
}
const med = (x) => x.slice().sort((a, b) => a - b)[x.length >> 1].toFixed(0)
console.log(`first query, no warm-up ${med(res.a)} ms; warm() started with it ${med(res.b)} ms; after warm() (${med(res.w)} ms) ${med(res.c)} ms; all: ${JSON.stringify(res, (_k, v) => (typeof v === 'number' ? Math.round(v) : v))}`)
console.log('load', load())
