import { batchFromRows, type RecordBatch, type RecordRow } from '../batch.js'
import type { Incident } from '../contracts/alert.js'
import type { Dashboard } from '../contracts/dashboard.js'
import { check, type ConformanceCase, type ConformanceSuite } from './harness.js'

const T0 = 1_700_000_000_000_000 // µs

type Row = Omit<RecordRow, 'runId'>
function row(metric: string, step: number, value: number): Row {
  return { metric, step, value, timestampUs: T0 + step * 1000, epoch: null, batch: null, tags: null }
}

function curve(runId: string, metric: string, n: number, at?: { step: number; value: number }): RecordBatch {
  const rows: Row[] = []
  for (let i = 0; i < n; i++) rows.push(row(metric, i, at && at.step === i ? at.value : 1 / (1 + i)))
  return batchFromRows(runId, rows)
}

function incident(rule: string, step: number): Incident {
  return { level: 'error', rule, message: `${rule} fired at step ${step}`, metric: 'loss', step, value: Number.NaN, timestampMs: 1_700_000_000_000, decision: 'stop' }
}

const cases: ConformanceCase<Dashboard>[] = [
  {
    name: 'render on an empty dashboard returns a string',
    async run(d) {
      const out = d.render()
      check(typeof out === 'string', `render returned ${typeof out}`)
    },
  },
  {
    name: 'render is deterministic without updates',
    async run(d, { id }) {
      d.update({ batch: curve(id, 'loss', 50) })
      check(d.render() === d.render(), 'two renders of the same state differ')
    },
  },
  {
    name: 'a metric that was fed appears in the rendering',
    async run(d, { id }) {
      const before = d.render()
      d.update({ batch: curve(id, 'loss_conformance', 30) })
      const after = d.render()
      check(after !== before, 'render did not change after an update')
      check(after.includes('loss_conformance'), 'the metric name is not shown')
    },
  },
  {
    name: 'a NaN value changes the rendering (NaN is data, never dropped)',
    async run(d, { id }) {
      d.update({ batch: curve(id, 'loss', 40) })
      const a = d.render()
      d.update({ batch: batchFromRows(id, [row('loss', 20, Number.NaN)]) })
      const b = d.render()
      check(a !== b, 'adding a NaN at an existing step did not change the rendering')
    },
  },
  {
    name: '±Inf values are shown, not dropped',
    async run(d, { id }) {
      d.update({ batch: curve(id, 'loss', 40) })
      const a = d.render()
      d.update({ batch: batchFromRows(id, [row('loss', 41, Number.POSITIVE_INFINITY), row('loss', 42, Number.NEGATIVE_INFINITY)]) })
      check(d.render() !== a, 'adding ±Inf values did not change the rendering')
    },
  },
  {
    name: 'incidents appear in the rendering',
    async run(d, { id }) {
      d.update({ batch: curve(id, 'loss', 40) })
      d.update({ incidents: [incident('conformance_rule', 25)] })
      check(d.render().includes('conformance_rule'), 'the incident rule is not shown')
    },
  },
  {
    name: 'updates accumulate: a second metric adds to the first',
    async run(d, { id }) {
      d.update({ batch: curve(id, 'conf_first', 30) })
      d.update({ batch: curve(id, 'conf_second', 30) })
      const out = d.render()
      check(out.includes('conf_first') && out.includes('conf_second'), 'a later update hid the earlier metric')
    },
  },
  {
    name: 'update never throws, whatever it is given',
    async run(d, { id }) {
      const bad: unknown[] = [{}, { batch: null }, { batch: { runId: id } }, { incidents: 'x' }, { incidents: [null] }, null, undefined, 42]
      for (const f of bad) {
        try {
          d.update(f as never)
        } catch (e) {
          check(false, `update threw on ${JSON.stringify(f)}: ${String(e)}`)
        }
      }
      d.update({ batch: curve(id, 'loss', 5) })
      check(d.render().includes('loss'), 'the dashboard stopped working after bad frames')
    },
  },
  {
    name: 'many series and a large batch render',
    async run(d, { id }) {
      const rows: Row[] = []
      for (let i = 0; i < 20_000; i++) rows.push(row(`m${i % 8}`, i, Math.sin(i / 100)))
      d.update({ batch: batchFromRows(id, rows) })
      const out = d.render()
      check(out.length > 0 && out.includes('m0'), 'a large batch did not render')
    },
  },
  {
    name: 'savePng, when supported, writes a PNG file',
    async run(d, { id }) {
      if (!d.savePng) return
      d.update({ batch: curve(id, 'loss', 100, { step: 50, value: Number.NaN }) })
      const fs = await import('node:fs/promises')
      const os = await import('node:os')
      const path = await import('node:path')
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'entrenar-dash-'))
      try {
        const file = path.join(dir, 'dash.png')
        await d.savePng(file)
        const bytes = await fs.readFile(file)
        check(bytes.length > 100, `PNG has only ${bytes.length} bytes`)
        check(bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47, 'file does not start with the PNG signature')
      } finally {
        await fs.rm(dir, { recursive: true, force: true })
      }
    },
  },
]

/**
 * The `Dashboard` suite: rendering is a pure function of what was fed, metrics and incidents show,
 * NaN and ±Inf are drawn (never dropped), `update` never throws into the caller, and `savePng`
 * (optional) writes a real PNG. A renderer-agnostic check: it compares renderings, never pixels.
 */
export const dashboardSuite: ConformanceSuite<Dashboard> = { contract: 'Dashboard', cases }
