// Lineage at scale: 1M models as a long chain and as a random DAG (1–3 parents among the previous
// 1000 models). For each shape: build through the API, save to Parquet, load from Parquet (wall and
// CPU time), walk all ancestors of the newest model, find its regression source (cold: walks the
// whole ancestry; warm: memoised; append: one new model derived from the tail, as monitor.close()
// does), then save 1021 more models as a delta segment, reload and compact. The peer
// is graphology (the usual JS graph library) building the same graph, loading it from its own
// serialisation, and walking/answering the same queries with the same algorithm, in the same run.
// Usage: npm run bench -w @entrenar/graph   (BENCH_MODELS=200000 for a quicker run; needs dist/)
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLineage } from '@entrenar/graph'
import Graph from 'graphology'

const N = Number(process.env.BENCH_MODELS ?? 1_000_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SHAPES = (process.env.BENCH_SHAPES ?? 'chain,dag').split(',')

let seed = 7
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 2 ** 32
}

/** Accuracy drifting up with occasional drops, so regressions sit deep in the ancestry. */
function makeModels(n) {
  const acc = new Float64Array(n)
  let a = 0.5
  for (let i = 0; i < n; i++) {
    a = Math.min(0.999, Math.max(0.001, a + (rand() < 0.05 ? -0.02 : 0.001 * rand())))
    acc[i] = a
  }
  // The newest model regressed against the best of its ancestry.
  acc[n - 1] = 0.0005
  return acc
}

function chainEdges(n) {
  const parent = new Int32Array(n - 1)
  const child = new Int32Array(n - 1)
  for (let i = 1; i < n; i++) {
    parent[i - 1] = i - 1
    child[i - 1] = i
  }
  return { parent, child }
}

function dagEdges(n) {
  const parent = []
  const child = []
  for (let i = 1; i < n; i++) {
    const k = 1 + Math.floor(rand() * 3)
    const seen = new Set()
    for (let j = 0; j < k; j++) {
      const p = j === 0 ? i - 1 : Math.max(0, i - 1 - Math.floor(rand() * 1000))
      if (seen.has(p)) continue
      seen.add(p)
      parent.push(p)
      child.push(i)
    }
  }
  return { parent: Int32Array.from(parent), child: Int32Array.from(child) }
}

const CHANGES = ['add_data', 'hyperparams', 'architecture', 'retrain', 'fine_tune', 'merge']
const id = (i) => `model-${i}`

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

async function time(fn, rounds = ROUNDS) {
  const out = []
  let result
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    result = await fn()
    out.push(performance.now() - t0)
  }
  return { ms: median(out), result }
}

const heapMb = () => {
  globalThis.gc?.()
  globalThis.gc?.()
  const m = process.memoryUsage()
  // Typed arrays live outside the JS heap: count both.
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20
}

/** The same regression-source algorithm as @entrenar/graph, on graphology's API. */
function graphologyRegression(graph, start) {
  const peak = new Map()
  const last = new Map()
  const drop = new Map()
  const val = (v) => graph.getNodeAttribute(v, 'accuracy')
  const better = (x, y) => x > y
  const stack = [start]
  const state = new Map()
  while (stack.length > 0) {
    const u = stack[stack.length - 1]
    const s = state.get(u)
    if (s === 2) {
      stack.pop()
      continue
    }
    if (s === undefined) {
      state.set(u, 1)
      graph.forEachInNeighbor(u, (p) => {
        if (!state.has(p)) stack.push(p)
      })
      continue
    }
    let q
    let qEdge
    graph.forEachInEdge(u, (e, _attrs, p) => {
      if (q === undefined || better(val(peak.get(p)), val(peak.get(q)))) {
        q = p
        qEdge = e
      }
    })
    const x = val(u)
    last.set(u, u)
    if (q === undefined || better(x, val(peak.get(q)))) {
      peak.set(u, u)
      drop.set(u, undefined)
    } else {
      peak.set(u, peak.get(q))
      if (!better(val(peak.get(q)), x)) drop.set(u, undefined)
      else drop.set(u, drop.get(q) ?? qEdge)
    }
    state.set(u, 2)
    stack.pop()
  }
  const e = drop.get(start)
  return e === undefined ? undefined : { parent: graph.source(e), model: graph.target(e) }
}

function graphologyAncestors(graph, start) {
  const seen = new Set([start])
  const queue = [start]
  for (let h = 0; h < queue.length; h++)
    graph.forEachInNeighbor(queue[h], (p) => {
      if (!seen.has(p)) {
        seen.add(p)
        queue.push(p)
      }
    })
  return queue.length - 1
}

const rows = []
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(4))
const row = (what, ours, peer) => {
  rows.push({ what, ours, peer })
  console.log(`  ${what}: ${fmt(ours)} vs ${fmt(peer)} (${(peer / ours).toFixed(1)}×)`)
}

/** Median wall and CPU (user + system) milliseconds of `rounds` calls; the last result is kept. */
async function timeCpu(fn, rounds) {
  const wall = []
  const cpu = []
  let result
  for (let r = 0; r < rounds; r++) {
    result = undefined
    globalThis.gc?.()
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    result = await fn()
    wall.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
  }
  return { ms: median(wall), cpu: median(cpu), result }
}

const lineageBytes = (dir) => readdirSync(join(dir, 'lineage')).reduce((s, f) => s + statSync(join(dir, 'lineage', f)).size, 0)

/**
 * One shape end to end. Each side builds and saves its graph and drops it before the loads, so both
 * loads run with the same heap (only the peer's serialised JSON string alive); everything is
 * garbage once it returns (clean heap figures for the next shape).
 */
async function runShape(shape) {
  seed = shape === 'chain' ? 7 : 11
  const acc = makeModels(N)
  const { parent, child } = shape === 'chain' ? chainEdges(N) : dagEdges(N)
  const M = parent.length
  const tail = id(N - 1)
  const dir = mkdtempSync(join(tmpdir(), 'entrenar-graph-bench-'))
  console.log(`\n${shape}: ${N} models, ${M} derivations`)

  // Build through the public API (one awaited call per model and per edge), then save.
  let h0 = heapMb()
  let t0 = performance.now()
  let g = await createLineage({ dir })
  for (let i = 0; i < N; i++) await g.addModel({ id: id(i), metrics: { accuracy: acc[i] }, createdAtMs: 1.7e12 + i })
  for (let e = 0; e < M; e++) await g.derive({ parent: id(parent[e]), child: id(child[e]), changeType: CHANGES[e % 6] })
  const buildOurs = performance.now() - t0
  const heapOurs = heapMb() - h0
  t0 = performance.now()
  await g.close()
  const saveOurs = performance.now() - t0
  const bytes = lineageBytes(dir)
  g = undefined

  h0 = heapMb()
  t0 = performance.now()
  let graph = new Graph({ type: 'directed', multi: false, allowSelfLoops: false })
  for (let i = 0; i < N; i++) graph.addNode(id(i), { accuracy: acc[i], createdAtMs: 1.7e12 + i })
  for (let e = 0; e < M; e++) graph.addDirectedEdge(id(parent[e]), id(child[e]), { changeType: CHANGES[e % 6] })
  const buildPeer = performance.now() - t0
  const heapPeer = heapMb() - h0
  t0 = performance.now()
  const serialized = JSON.stringify(graph.export())
  const savePeer = performance.now() - t0
  graph = undefined
  row(`${shape}: build through the API (ms)`, buildOurs, buildPeer)
  row(`${shape}: memory after build, heap + array buffers (MiB)`, heapOurs, heapPeer)
  row(`${shape}: save (ms) — Parquet vs graphology JSON export`, saveOurs, savePeer)
  row(`${shape}: saved size (MiB)`, bytes / 2 ** 20, serialized.length / 2 ** 20)

  // Load: ours from the Parquet segment; graphology from its own JSON serialisation.
  const rounds = Math.min(3, ROUNDS)
  const load = await timeCpu(() => createLineage({ dir }), rounds)
  let loaded = load.result
  load.result = undefined

  // Incremental save (before the peer's graph is back in memory): 1000 more models and edges;
  // ours appends a delta segment, then loads base + delta, then compacts them into one base.
  for (let i = 0; i < 1000; i++) {
    await loaded.addModel({ id: `more-${i}`, metrics: { accuracy: 0.5 }, createdAtMs: 1.9e12 + i })
    await loaded.derive({ parent: i === 0 ? tail : `more-${i - 1}`, child: `more-${i}`, changeType: 'retrain' })
  }
  let t = performance.now()
  await loaded.flush()
  const deltaMs = performance.now() - t
  loaded = undefined
  const reloaded = await timeCpu(() => createLineage({ dir }), 1)
  t = performance.now()
  await reloaded.result.compact()
  const compactMs = performance.now() - t
  reloaded.result = undefined

  const loadPeer = await timeCpu(() => Graph.from(JSON.parse(serialized)), rounds)
  graph = loadPeer.result
  row(`${shape}: load (ms) — budget ≤1000`, load.ms, loadPeer.ms)
  row(`${shape}: load CPU time, user + system (ms)`, load.cpu, loadPeer.cpu)
  loaded = await createLineage({ dir })

  // Walk every ancestor of the newest model.
  const anc = await time(async () => (await loaded.ancestors(tail)).length)
  const ancPeer = await time(() => graphologyAncestors(graph, tail))
  if (anc.result !== ancPeer.result) throw new Error(`ancestor counts differ: ${anc.result} vs ${ancPeer.result}`)
  row(`${shape}: ancestors of the newest model (${anc.result}) (ms)`, anc.ms, ancPeer.ms)

  // Regression source: cold (first query walks the whole ancestry), warm, and after an append.
  t = performance.now()
  const cold = await loaded.regressionSource(tail, { metric: 'accuracy', higherIsBetter: true })
  const coldMs = performance.now() - t
  const peerCold = await time(() => graphologyRegression(graph, tail), Math.min(3, ROUNDS))
  if (cold?.model !== peerCold.result?.model || cold?.parent !== peerCold.result?.parent) throw new Error(`regression sources differ: ${JSON.stringify(cold)} vs ${JSON.stringify(peerCold.result)}`)
  row(`${shape}: regressionSource, cold (whole ancestry) (ms)`, coldMs, peerCold.ms)
  const warm = await time(() => loaded.regressionSource(tail, { metric: 'accuracy', higherIsBetter: true }), 101)
  row(`${shape}: regressionSource, warm (ms) — budget ≤1 (peer recomputes)`, warm.ms, peerCold.ms)
  const appendTimes = []
  for (let r = 0; r < 21; r++) {
    const nid = `appended-${r}`
    await loaded.addModel({ id: nid, metrics: { accuracy: 0.0001 }, createdAtMs: 1.8e12 })
    await loaded.derive({ parent: r === 0 ? tail : `appended-${r - 1}`, child: nid, changeType: 'fine_tune' })
    t = performance.now()
    const res = await loaded.regressionSource(nid, { metric: 'accuracy', higherIsBetter: true })
    appendTimes.push(performance.now() - t)
    if (!res) throw new Error('expected a regression')
  }
  row(`${shape}: regressionSource after appending a model (ms) — budget ≤1 (peer recomputes)`, median(appendTimes), peerCold.ms)
  console.log(`  regression source: ${cold?.parent} → ${cold?.model} (${cold?.derivation.changeType}), baseline ${cold?.baseline} ${cold?.baselineValue}`)

  // graphology has no incremental form: it exports the whole graph again.
  for (let i = 0; i < 1000; i++) {
    graph.addNode(`more-${i}`, { accuracy: 0.5 })
    graph.addDirectedEdge(i === 0 ? tail : `more-${i - 1}`, `more-${i}`, { changeType: 'retrain' })
  }
  t = performance.now()
  JSON.stringify(graph.export())
  const deltaPeer = performance.now() - t
  row(`${shape}: save after 1000 new models (ms) — delta segment vs full JSON export`, deltaMs, deltaPeer)
  row(`${shape}: load base + delta segment (ms) vs graphology JSON import`, reloaded.ms, loadPeer.ms)
  row(`${shape}: compact base + delta into one base (ms) vs graphology JSON export`, compactMs, deltaPeer)
  rmSync(dir, { recursive: true, force: true })
}

for (const shape of SHAPES) await runShape(shape)

console.log(`\nNode ${process.version}, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`)
console.log(`\n| scenario (${N} models) | @entrenar/graph | graphology | ratio |`)
console.log('|---|---:|---:|---:|')
for (const r of rows) console.log(`| ${r.what} | ${fmt(r.ours)} | ${fmt(r.peer)} | ${(r.peer / r.ours).toFixed(1)}× |`)
