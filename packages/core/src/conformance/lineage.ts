import type { LineageGraph, ModelNode } from '../contracts/lineage.js'
import { ErrorCodes, isEntrenarError } from '../errors.js'
import { check, close, type ConformanceCase, ConformanceError, type ConformanceSuite, rejectsWith, sameFloats } from './harness.js'

const T0 = 1_700_000_000_000

function model(id: string, metrics: Record<string, number>, extra: Partial<ModelNode> = {}): ModelNode {
  return { id, metrics, createdAtMs: T0, ...extra }
}

/** Adds models `${id}-<name>` with the given accuracy and derives them along `edges` ([parent, child, type]). */
async function build(g: LineageGraph, id: string, acc: Record<string, number | undefined>, edges: [string, string, Parameters<LineageGraph['derive']>[0]['changeType']][]): Promise<(n: string) => string> {
  const k = (n: string) => `${id}-${n}`
  for (const [name, a] of Object.entries(acc)) await g.addModel(model(k(name), a === undefined ? {} : { accuracy: a }))
  for (const [p, c, t] of edges) await g.derive({ parent: k(p), child: k(c), changeType: t })
  return k
}

function same(actual: readonly string[], expected: readonly string[], what: string): void {
  check(actual.length === expected.length && actual.every((x, i) => x === expected[i]), `${what}: expected [${expected.join(', ')}], got [${actual.join(', ')}]`)
}

/** Bad input may be caught by the wire schema (over HTTP) or by the implementation. */
async function rejectsInvalid(p: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await p()
  } catch (e) {
    check(isEntrenarError(e) && (e.code === 'ENTRENAR_LINEAGE_INVALID' || e.code === ErrorCodes.WIRE_INVALID), `${what}: expected ENTRENAR_LINEAGE_INVALID, got ${String(e)}`)
    return
  }
  throw new ConformanceError(`${what}: expected a rejection`)
}

const cases: ConformanceCase<LineageGraph>[] = [
  {
    name: 'a model reads back exactly: NaN, ±Inf and -0 metrics, config, tags, version, hash, run',
    async run(g, { id }) {
      const m: ModelNode = {
        id: `${id}-m`,
        version: '1.2.0',
        metrics: { accuracy: 0.93, loss: Number.NaN, ppl: Number.POSITIVE_INFINITY, low: Number.NEGATIVE_INFINITY, zero: -0, tiny: 5e-324 },
        createdAtMs: T0 + 0.5,
        configHash: 'sha256:abc',
        config: { lr: 0.0003, layers: [64, 64], optimizer: { name: 'adam', betas: [0.9, 0.999] }, note: null, flag: true },
        tags: { team: 'vision', 'ünïcode': '✓' },
        runId: `${id}-run`,
      }
      await g.addModel(m)
      const got = await g.getModel(m.id)
      check(got !== undefined, 'model missing')
      check(got.id === m.id && got.version === m.version && got.configHash === m.configHash && got.runId === m.runId && got.createdAtMs === m.createdAtMs, 'scalar fields')
      const names = Object.keys(m.metrics).sort()
      same(Object.keys(got.metrics).sort(), names, 'metric names')
      sameFloats(names.map((n) => got.metrics[n]!), names.map((n) => m.metrics[n]!), 'metric values')
      check(JSON.stringify(got.config) === JSON.stringify(m.config), `config: ${JSON.stringify(got.config)}`)
      check(JSON.stringify(got.tags) === JSON.stringify(m.tags), `tags: ${JSON.stringify(got.tags)}`)
      check((await g.getModel(`${id}-none`)) === undefined, 'unknown model gives undefined')
    },
  },
  {
    name: 'adding a model again replaces its metadata and keeps its edges',
    async run(g, { id }) {
      const k = await build(g, id, { a: 0.5, b: 0.6 }, [['a', 'b', 'retrain']])
      await g.addModel(model(k('b'), { accuracy: 0.7, loss: 1 }, { version: '2' }))
      const b = await g.getModel(k('b'))
      check(b?.version === '2' && b.metrics.accuracy === 0.7 && b.metrics.loss === 1, 'replaced metadata')
      same(await g.parents(k('b')), [k('a')], 'edges kept')
    },
  },
  {
    name: 'unknown ids reject with ENTRENAR_NOT_FOUND',
    async run(g, { id }) {
      const k = await build(g, id, { a: 1 }, [])
      await rejectsWith(() => g.derive({ parent: k('a'), child: k('x'), changeType: 'retrain' }), ErrorCodes.NOT_FOUND, 'derive to unknown child')
      await rejectsWith(() => g.derive({ parent: k('x'), child: k('a'), changeType: 'retrain' }), ErrorCodes.NOT_FOUND, 'derive from unknown parent')
      for (const [name, call] of [
        ['parents', () => g.parents(k('x'))],
        ['children', () => g.children(k('x'))],
        ['ancestors', () => g.ancestors(k('x'))],
        ['descendants', () => g.descendants(k('x'))],
        ['lineage', () => g.lineage(k('x'))],
        ['compare', () => g.compare(k('a'), k('x'))],
        ['diff', () => g.diff(k('x'), k('a'))],
        ['regressionSource', () => g.regressionSource(k('x'), { metric: 'accuracy', higherIsBetter: true })],
        ['healthEvents', () => g.healthEvents(k('x'))],
      ] as const) {
        await rejectsWith(call, ErrorCodes.NOT_FOUND, name)
      }
    },
  },
  {
    name: 'self-loops and cycles reject with ENTRENAR_LINEAGE_CYCLE and change nothing',
    async run(g, { id }) {
      const k = await build(g, id, { a: 1, b: 1, c: 1 }, [
        ['a', 'b', 'retrain'],
        ['b', 'c', 'retrain'],
      ])
      await rejectsWith(() => g.derive({ parent: k('a'), child: k('a'), changeType: 'retrain' }), 'ENTRENAR_LINEAGE_CYCLE', 'self-loop')
      await rejectsWith(() => g.derive({ parent: k('c'), child: k('a'), changeType: 'retrain' }), 'ENTRENAR_LINEAGE_CYCLE', 'c → a closes a → b → c')
      same(await g.parents(k('a')), [], 'a still has no parent')
      same(await g.children(k('c')), [], 'c still has no child')
      same(await g.lineage(k('c')), [k('a'), k('b'), k('c')], 'chain intact')
    },
  },
  {
    name: 'merges keep several parents in derivation order; the same pair again replaces its change type',
    async run(g, { id }) {
      const k = await build(g, id, { a: 1, b: 2, m: 3 }, [
        ['b', 'm', 'merge'],
        ['a', 'm', 'merge'],
      ])
      same(await g.parents(k('m')), [k('b'), k('a')], 'parents in derivation order')
      same(await g.children(k('a')), [k('m')], 'children')
      await g.derive({ parent: k('a'), child: k('m'), changeType: 'fine_tune', description: 'again' })
      same(await g.parents(k('m')), [k('b'), k('a')], 'no duplicate edge')
      await g.addModel(model(k('m2'), { accuracy: 1 }))
      await g.derive({ parent: k('m'), child: k('m2'), changeType: 'retrain' })
      await g.addModel(model(k('m2'), { accuracy: 0.5 }))
      const r = await g.regressionSource(k('m2'), { metric: 'accuracy', higherIsBetter: true })
      check(r?.derivation.parent === k('m') && r.derivation.changeType === 'retrain', `regression after replacing m2: ${JSON.stringify(r)}`)
    },
  },
  {
    name: 'ancestors and descendants walk breadth-first, nearest first, with a depth limit',
    async run(g, { id }) {
      // a → b → d, a → c → d, d → e
      const k = await build(g, id, { a: 1, b: 1, c: 1, d: 1, e: 1 }, [
        ['a', 'b', 'retrain'],
        ['a', 'c', 'retrain'],
        ['b', 'd', 'merge'],
        ['c', 'd', 'merge'],
        ['d', 'e', 'fine_tune'],
      ])
      same(await g.ancestors(k('e')), [k('d'), k('b'), k('c'), k('a')], 'ancestors of e')
      same(await g.ancestors(k('e'), { depth: 2 }), [k('d'), k('b'), k('c')], 'ancestors depth 2')
      same(await g.ancestors(k('e'), { depth: 0 }), [], 'depth 0')
      same(await g.descendants(k('a')), [k('b'), k('c'), k('d'), k('e')], 'descendants of a')
      same(await g.descendants(k('a'), { depth: 1 }), [k('b'), k('c')], 'descendants depth 1')
      same(await g.ancestors(k('a')), [], 'root has no ancestors')
      same(await g.lineage(k('e')), [k('a'), k('b'), k('d'), k('e')], 'first-parent chain, root first')
      same(await g.lineage(k('a')), [k('a')], 'single model chain')
    },
  },
  {
    name: 'compare gives per-metric deltas b − a for shared metrics, sorted by name',
    async run(g, { id }) {
      await g.addModel(model(`${id}-a`, { accuracy: 0.5, latency_ms: 20, size_mb: 100, zero: 0, only_a: 1 }))
      await g.addModel(model(`${id}-b`, { accuracy: 0.51, latency_ms: 17, size_mb: 90, zero: 1, only_b: 1 }))
      const d = await g.compare(`${id}-a`, `${id}-b`)
      same(
        d.map((x) => x.metric),
        ['accuracy', 'latency_ms', 'size_mb', 'zero'],
        'metrics',
      )
      close(d[0]!.relative, 0.02, 'accuracy +2%')
      close(d[1]!.relative, -0.15, 'latency −15%')
      close(d[2]!.relative, -0.1, 'size −10%')
      close(d[1]!.delta, -3, 'latency delta')
      check(Number.isNaN(d[3]!.relative) && d[3]!.delta === 1, 'relative is NaN when a is 0')
    },
  },
  {
    name: 'regressionSource finds the immediate-parent regression (Rust reference case)',
    async run(g, { id }) {
      const k = await build(g, id, { v1: 0.85, v2: 0.87, v3: 0.8 }, [
        ['v1', 'v2', 'add_data'],
        ['v2', 'v3', 'hyperparams'],
      ])
      const r = await g.regressionSource(k('v3'), { metric: 'accuracy', higherIsBetter: true })
      check(r !== undefined, 'expected a regression')
      check(r.model === k('v3') && r.parent === k('v2') && r.derivation.changeType === 'hyperparams', `source: ${JSON.stringify(r)}`)
      check(r.before === 0.87 && r.after === 0.8 && r.baseline === k('v2') && r.baselineValue === 0.87 && r.value === 0.8, `values: ${JSON.stringify(r)}`)
      check((await g.regressionSource(k('v2'), { metric: 'accuracy', higherIsBetter: true })) === undefined, 'an improvement is no regression')
      check((await g.regressionSource(k('v1'), { metric: 'accuracy', higherIsBetter: true })) === undefined, 'a root has no regression')
      check((await g.regressionSource(k('v3'), { metric: 'f1', higherIsBetter: true })) === undefined, 'an unmeasured metric has no regression')
    },
  },
  {
    name: 'regressionSource walks the whole ancestry past unchanged and unmeasured models',
    async run(g, { id }) {
      // v1 0.9 → v2 0.8 (the drop) → v3 (no accuracy) → v4 0.85 → v5 0.82
      const k = await build(g, id, { v1: 0.9, v2: 0.8, v3: undefined, v4: 0.85, v5: 0.82 }, [
        ['v1', 'v2', 'architecture'],
        ['v2', 'v3', 'retrain'],
        ['v3', 'v4', 'add_data'],
        ['v4', 'v5', 'fine_tune'],
      ])
      for (const at of ['v2', 'v4', 'v5']) {
        const r = await g.regressionSource(k(at), { metric: 'accuracy', higherIsBetter: true })
        check(r?.model === k('v2') && r.parent === k('v1') && r.derivation.changeType === 'architecture', `${at}: ${JSON.stringify(r)}`)
        check(r.baseline === k('v1') && r.baselineValue === 0.9 && r.before === 0.9 && r.after === 0.8, `${at} values`)
      }
      check((await g.regressionSource(k('v3'), { metric: 'accuracy', higherIsBetter: true })) === undefined, 'an unmeasured model has no regression')
      // Recovering to the baseline ends that regression; a later drop is a new one.
      await g.addModel(model(k('v6'), { accuracy: 0.9 }))
      await g.addModel(model(k('v7'), { accuracy: 0.7 }))
      await g.derive({ parent: k('v5'), child: k('v6'), changeType: 'retrain' })
      await g.derive({ parent: k('v6'), child: k('v7'), changeType: 'hyperparams' })
      const r7 = await g.regressionSource(k('v7'), { metric: 'accuracy', higherIsBetter: true })
      check(r7?.model === k('v7') && r7.parent === k('v6') && r7.before === 0.9, `after recovery: ${JSON.stringify(r7)}`)
    },
  },
  {
    name: 'regressionSource honours lower-is-better metrics, merges and NaN (a diverged model is worst)',
    async run(g, { id }) {
      const k = (n: string) => `${id}-${n}`
      await g.addModel(model(k('a'), { loss: 0.5 }))
      await g.addModel(model(k('b'), { loss: 0.3 }))
      await g.addModel(model(k('m'), { loss: 0.4 }))
      await g.addModel(model(k('n'), { loss: Number.NaN }))
      await g.derive({ parent: k('a'), child: k('m'), changeType: 'merge' })
      await g.derive({ parent: k('b'), child: k('m'), changeType: 'merge' })
      await g.derive({ parent: k('m'), child: k('n'), changeType: 'hyperparams' })
      const rm = await g.regressionSource(k('m'), { metric: 'loss', higherIsBetter: false })
      check(rm?.parent === k('b') && rm.baseline === k('b') && rm.before === 0.3 && rm.after === 0.4, `merge takes the best parent: ${JSON.stringify(rm)}`)
      const rn = await g.regressionSource(k('n'), { metric: 'loss', higherIsBetter: false })
      check(rn?.model === k('m') && Number.isNaN(rn.value), `NaN is worse, first drop stays m: ${JSON.stringify(rn)}`)
      const rh = await g.regressionSource(k('m'), { metric: 'loss', higherIsBetter: true })
      check(rh?.parent === k('a') && rh.baselineValue === 0.5, `higher-is-better flips the baseline to a: ${JSON.stringify(rh)}`)
    },
  },
  {
    name: 'diff lists config (dotted paths) and tag changes',
    async run(g, { id }) {
      await g.addModel(model(`${id}-a`, {}, { config: { lr: 0.001, opt: { name: 'adam', eps: 1e-8 }, layers: [1, 2] }, tags: { team: 'x', old: 'y' }, configHash: 'h1' }))
      await g.addModel(model(`${id}-b`, {}, { config: { lr: 0.0005, opt: { name: 'adam' }, layers: [1, 2], warmup: 100 }, tags: { team: 'z', new: 'w' }, configHash: 'h2' }))
      const d = await g.diff(`${id}-a`, `${id}-b`)
      same(
        d.config.map((c) => `${c.change}:${c.key}`),
        ['changed:lr', 'removed:opt.eps', 'added:warmup'],
        'config changes',
      )
      check(d.config[0]!.a === 0.001 && d.config[0]!.b === 0.0005, 'changed values')
      same(
        d.tags.map((c) => `${c.change}:${c.key}`),
        ['added:new', 'removed:old', 'changed:team'],
        'tag changes',
      )
      check(d.configHashChanged && d.a === `${id}-a` && d.b === `${id}-b`, 'hash flag')
      const none = await g.diff(`${id}-a`, `${id}-a`)
      check(none.config.length === 0 && none.tags.length === 0 && !none.configHashChanged, 'a model equals itself')
    },
  },
  {
    name: 'health events attach to models and runs; trainedThroughIncident filters by level and inherits',
    async run(g, { id }) {
      const run = `${id}-run`
      await g.addHealthEvent({ kind: 'incident', runId: run, level: 'critical', rule: 'non_finite', message: 'loss NaN', metric: 'loss', step: 7, value: Number.NaN, decision: 'stop', timestampMs: T0 })
      await g.addModel(model(`${id}-a`, { accuracy: 0.5 }, { runId: run }))
      await g.addModel(model(`${id}-b`, { accuracy: 0.6 }))
      await g.addModel(model(`${id}-c`, { accuracy: 0.6 }))
      await g.derive({ parent: `${id}-a`, child: `${id}-c`, changeType: 'fine_tune' })
      await g.addHealthEvent({ kind: 'drift', modelId: `${id}-b`, level: 'info', rule: 'adwin', message: 'warning', timestampMs: T0 + 1 })
      const ev = await g.healthEvents(`${id}-a`)
      check(ev.length === 1 && ev[0]!.rule === 'non_finite' && ev[0]!.decision === 'stop' && Number.isNaN(ev[0]!.value!) && ev[0]!.step === 7, `events of a: ${JSON.stringify(ev)}`)
      const mine = (ids: string[]) => ids.filter((x) => x.startsWith(`${id}-`))
      same(mine(await g.trainedThroughIncident()), [`${id}-a`], 'default: warning and above')
      same(mine(await g.trainedThroughIncident({ minLevel: 'info' })), [`${id}-a`, `${id}-b`], 'info and above')
      same(mine(await g.trainedThroughIncident({ minLevel: 'info', kinds: ['drift'] })), [`${id}-b`], 'drift only')
      same(mine(await g.trainedThroughIncident({ inherited: true })), [`${id}-a`, `${id}-c`], 'inherited by descendants')
      same(mine(await g.trainedThroughIncident({ rules: ['divergence'] })), [], 'rule filter')
      await rejectsWith(() => g.addHealthEvent({ kind: 'incident', modelId: `${id}-x`, level: 'error', rule: 'r', message: 'm', timestampMs: T0 }), ErrorCodes.NOT_FOUND, 'event on unknown model')
      await rejectsInvalid(() => g.addHealthEvent({ kind: 'incident', level: 'error', rule: 'r', message: 'm', timestampMs: T0 }), 'event without model or run')
    },
  },
  {
    name: 'register adds a model with parents and events atomically',
    async run(g, { id }) {
      await g.addModel(model(`${id}-p`, { accuracy: 0.9 }))
      await rejectsWith(
        () => g.register({ model: model(`${id}-c`, { accuracy: 0.8 }), parents: [{ id: `${id}-p`, changeType: 'retrain' }, { id: `${id}-missing`, changeType: 'merge' }] }),
        ErrorCodes.NOT_FOUND,
        'unknown parent',
      )
      check((await g.getModel(`${id}-c`)) === undefined, 'nothing registered after a rejection')
      await g.register({
        model: model(`${id}-c`, { accuracy: 0.8 }, { runId: `${id}-r` }),
        parents: [{ id: `${id}-p`, changeType: 'hyperparams', description: 'lr 1e-3 → 1e-2' }],
        events: [{ kind: 'incident', runId: `${id}-r`, level: 'warning', rule: 'accuracy_drop', message: 'dropped', timestampMs: T0 }],
      })
      same(await g.parents(`${id}-c`), [`${id}-p`], 'parent edge')
      const r = await g.regressionSource(`${id}-c`, { metric: 'accuracy', higherIsBetter: true })
      check(r?.derivation.description === 'lr 1e-3 → 1e-2', 'description travels')
      check((await g.healthEvents(`${id}-c`)).length === 1, 'event registered')
      await rejectsWith(() => g.register({ model: model(`${id}-p`, { accuracy: 1 }), parents: [{ id: `${id}-c`, changeType: 'retrain' }] }), 'ENTRENAR_LINEAGE_CYCLE', 're-registering p under its child')
      check((await g.getModel(`${id}-p`))?.metrics.accuracy === 0.9, 'p unchanged after the rejected cycle')
    },
  },
  {
    name: 'malformed input rejects with ENTRENAR_LINEAGE_INVALID',
    async run(g, { id }) {
      await g.addModel(model(`${id}-a`, {}))
      await rejectsInvalid(() => g.addModel(model('', {})), 'empty id')
      await rejectsInvalid(() => g.derive({ parent: `${id}-a`, child: `${id}-a`, changeType: 'teleport' as never }), 'unknown change type')
      await rejectsInvalid(() => g.ancestors(`${id}-a`, { depth: -1 }), 'negative depth')
    },
  },
  {
    name: 'exports: DOT, Mermaid and OpenLineage 2-0-2 RunEvents',
    async run(g, { id }) {
      const k = await build(g, id, { a: 0.5, b: 0.6 }, [['a', 'b', 'fine_tune']])
      const dot = await g.export('dot')
      check(dot.startsWith('digraph') && dot.includes(`"${k('a')}" -> "${k('b')}"`) && dot.includes('fine_tune'), 'dot edge')
      const mermaid = await g.export('mermaid')
      check(mermaid.startsWith('flowchart') && mermaid.includes(k('b')) && mermaid.includes('fine_tune'), 'mermaid')
      const events = (await g.export('openlineage'))
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as { eventType: string; schemaURL: string; eventTime: string; producer: string; run: { runId: string }; job: { namespace: string; name: string }; inputs: { name: string }[]; outputs: { name: string }[] })
      const b = events.find((e) => e.outputs[0]?.name === k('b'))
      check(b !== undefined, 'an event per model')
      check(b.schemaURL === 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent' && b.eventType === 'COMPLETE', 'schema and type')
      check(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(b.run.runId), `runId is a UUID: ${b.run.runId}`)
      check(!Number.isNaN(Date.parse(b.eventTime)) && b.producer.length > 0 && b.job.name.length > 0 && b.job.namespace.length > 0, 'required fields')
      same(
        b.inputs.map((x) => x.name),
        [k('a')],
        'inputs are the parents',
      )
    },
  },
]

/** The `LineageGraph` suite: models, derivations, walks, compare/diff, regression source, health events, exports. */
export const lineageGraphSuite: ConformanceSuite<LineageGraph> = { contract: 'LineageGraph', cases }
