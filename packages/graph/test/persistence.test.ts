import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { type HealthEvent, isEntrenarError, type ModelNode } from '@entrenar/core'
import { createLineage } from '@entrenar/graph'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { describe, expect, it } from 'vitest'
import { tempDirs } from './temp-dirs.js'

const tmp = tempDirs('entrenar-graph-')

const models: ModelNode[] = [
  { id: 'v1', metrics: { accuracy: 0.85, loss: Number.NaN, zero: -0 }, createdAtMs: 1_700_000_000_000, version: '1.0', configHash: 'h1', config: { lr: 0.001, opt: { name: 'adam' } }, tags: { team: 'a' }, runId: 'run-1' },
  { id: 'v2 "quoted" \\ ü', metrics: { accuracy: 0.87, ppl: Number.POSITIVE_INFINITY }, createdAtMs: 1_700_000_000_001.5 },
  { id: 'v3', metrics: { low: Number.NEGATIVE_INFINITY, accuracy: 5e-324 }, createdAtMs: 0, runId: 'run-3' },
  { id: '模型-4', metrics: {}, createdAtMs: -1, tags: {} },
]
const events: HealthEvent[] = [
  { kind: 'incident', runId: 'run-3', level: 'critical', rule: 'non_finite', message: 'loss NaN', metric: 'loss', step: 12, value: Number.NaN, decision: 'stop', timestampMs: 5 },
  { kind: 'drift', modelId: 'v1', level: 'warning', rule: 'adwin', message: 'drift', timestampMs: 6 },
]

async function fill(dir: string | undefined) {
  const g = await createLineage(dir === undefined ? {} : { dir })
  for (const m of models) await g.addModel(m)
  await g.derive({ parent: 'v1', child: models[1]!.id, changeType: 'hyperparams', description: 'lr 1e-3 → 1e-4, "quoted"' })
  await g.derive({ parent: models[1]!.id, child: 'v3', changeType: 'merge' })
  await g.derive({ parent: '模型-4', child: 'v3', changeType: 'merge' })
  for (const e of events) await g.addHealthEvent(e)
  return g
}

/** An edge table v1 → v2 → v3 → v1 over the models v1, v2, v3 (rows 0, 1, 2). */
function cycleEdges(schema: string, generation: string, kind?: string): Uint8Array {
  const edges = parquetWriteBuffer({
    columnData: [
      { name: 'parent', data: ['v1', 'v2', 'v3'], type: 'STRING', nullable: false },
      { name: 'child', data: ['v2', 'v3', 'v1'], type: 'STRING', nullable: false },
      { name: 'parent_row', data: Int32Array.from([0, 1, 2]), type: 'INT32', nullable: false },
      { name: 'child_row', data: Int32Array.from([1, 2, 0]), type: 'INT32', nullable: false },
      { name: 'change_type', data: ['retrain', 'retrain', 'retrain'], type: 'STRING', nullable: false },
      { name: 'description', data: [null, null, null], type: 'STRING' },
    ],
    kvMetadata: [
      { key: 'entrenar.lineage.schema', value: schema },
      { key: 'entrenar.lineage.generation', value: generation },
      ...(kind ? [{ key: 'entrenar.lineage.kind', value: kind }] : []),
    ],
  })
  return new Uint8Array(edges)
}

describe('Parquet persistence in <dir>/lineage/', () => {
  it('round-trips models, edges and events exactly', async () => {
    const dir = tmp()
    const g = await fill(dir)
    await g.close()
    const h = await createLineage({ dir })
    expect(h.stats()).toEqual({ models: 4, derivations: 3, events: 2, metrics: 5, segments: 1, skippedSegments: 0 })
    for (const m of models) {
      const got = await h.getModel(m.id)
      expect(got).toEqual(m)
      for (const [k, x] of Object.entries(m.metrics)) expect(Object.is(got!.metrics[k], x)).toBe(true)
    }
    expect(await h.parents('v3')).toEqual([models[1]!.id, '模型-4'])
    const r = await h.regressionSource('v3', { metric: 'accuracy', higherIsBetter: true })
    expect(r?.derivation).toEqual({ parent: models[1]!.id, child: 'v3', changeType: 'merge' })
    expect((await h.parents(models[1]!.id)).length).toBe(1)
    const ev = await h.healthEvents('v3')
    expect(ev).toHaveLength(1)
    expect(Number.isNaN(ev[0]!.value)).toBe(true)
    expect(ev[0]).toMatchObject({ kind: 'incident', runId: 'run-3', level: 'critical', rule: 'non_finite', decision: 'stop', step: 12 })
    expect(await h.healthEvents('v1')).toEqual([events[1]])
    const fresh = await fill(undefined)
    for (const f of ['dot', 'mermaid', 'openlineage'] as const) expect(await h.export(f)).toBe(await fresh.export(f))
  })

  it('ids of any length and script load through the fast id reader', async () => {
    const dir = tmp()
    const ids = ['x'.repeat(200), 'é'.repeat(300), 'plain', '', '\u0000nul', '😀'.repeat(5)].filter((x) => x.length > 0)
    const g = await createLineage({ dir })
    for (const id of ids) await g.addModel({ id, metrics: { a: ids.indexOf(id) }, createdAtMs: 0 })
    await g.close()
    const h = await createLineage({ dir })
    for (const id of ids) expect((await h.getModel(id))?.metrics.a).toBe(ids.indexOf(id))
    expect(await h.getModel('x'.repeat(199))).toBeUndefined()
  })

  it('writes nothing when nothing changed and picks up later changes', async () => {
    const dir = tmp()
    const g = await createLineage({ dir })
    await g.flush()
    expect(() => readdirSync(join(dir, 'lineage'))).toThrow()
    await g.addModel(models[0]!)
    await g.flush()
    await g.addModel(models[2]!)
    await g.close()
    await g.close()
    await expect(g.addModel(models[3]!)).rejects.toMatchObject({ code: 'ENTRENAR_CLOSED' })
    const h = await createLineage({ dir })
    expect(h.stats().models).toBe(2)
  })

  it('detects a torn schema-1 save, a damaged schema-1 table and a cycle with ENTRENAR_DB_CORRUPT', async () => {
    const fixtures = join(import.meta.dirname, 'fixtures', 'v1')
    const legacy = () => {
      const d = tmp()
      rmSync(join(d, 'lineage'), { recursive: true, force: true })
      for (const f of ['nodes', 'edges', 'events']) {
        mkdirSync(join(d, 'lineage'), { recursive: true })
        copyFileSync(join(fixtures, `${f}.parquet`), join(d, 'lineage', `${f}.parquet`))
      }
      return d
    }
    // The schema-1 layout has no earlier state to fall back to: a torn or damaged save throws.
    const a = legacy()
    writeFileSync(join(a, 'lineage', 'edges.parquet'), cycleEdges('1', '2'))
    const torn = await createLineage({ dir: a }).catch((e: unknown) => e)
    expect(isEntrenarError(torn, 'ENTRENAR_DB_CORRUPT')).toBe(true)
    expect(String((torn as Error).message)).toMatch(/generation 2 differs .* generation 1/)

    const b = legacy()
    const nodes = join(b, 'lineage', 'nodes.parquet')
    const bytes = readFileSync(nodes)
    writeFileSync(nodes, bytes.subarray(0, bytes.length - 20))
    await expect(createLineage({ dir: b })).rejects.toMatchObject({ code: 'ENTRENAR_DB_CORRUPT' })

    // An edge table whose rows form a cycle (no valid graph writes one), in either layout.
    const c = legacy()
    writeFileSync(join(c, 'lineage', 'edges.parquet'), cycleEdges('1', '1'))
    await expect(createLineage({ dir: c })).rejects.toMatchObject({ code: 'ENTRENAR_DB_CORRUPT', message: expect.stringMatching(/cycle/) })
    const d = tmp()
    const k = await createLineage({ dir: d })
    for (const id of ['v1', 'v2', 'v3']) await k.addModel({ id, metrics: {}, createdAtMs: 0 })
    await k.derive({ parent: 'v1', child: 'v2', changeType: 'retrain' })
    await k.close()
    writeFileSync(join(d, 'lineage', 'edges.000001.base.parquet'), cycleEdges('2', '1', 'base'))
    await expect(createLineage({ dir: d })).rejects.toMatchObject({ code: 'ENTRENAR_DB_CORRUPT', message: expect.stringMatching(/cycle/) })
  })

  it('DuckDB reads the tables as they are', async () => {
    const dir = tmp()
    const g = await fill(dir)
    await g.close()
    const db = await DuckDBInstance.create(':memory:')
    const conn = await db.connect()
    try {
      const nodes = (await conn.runAndReadAll(`SELECT id, version, created_at_ms, metric_accuracy, run_id, json_extract_string(tags, '$.team') AS team FROM '${join(dir, 'lineage', 'nodes*.parquet')}' ORDER BY created_at_ms`)).getRowObjects()
      expect(nodes.map((r) => r.id)).toEqual(['模型-4', 'v3', 'v1', models[1]!.id])
      expect(nodes[2]).toMatchObject({ id: 'v1', version: '1.0', metric_accuracy: 0.85, run_id: 'run-1', team: 'a' })
      expect(nodes[1]!.metric_accuracy).toBe(5e-324)
      expect(nodes[0]!.metric_accuracy).toBeNull()
      const edges = (await conn.runAndReadAll(`SELECT e.parent, e.child, e.change_type, n.id AS parent_by_row FROM '${join(dir, 'lineage', 'edges*.parquet')}' e JOIN '${join(dir, 'lineage', 'nodes*.parquet')}' n ON n.id = e.parent ORDER BY e.child_row, e.parent_row`)).getRowObjects()
      expect(edges.map((r) => `${r.parent}>${r.child}:${r.change_type}`)).toEqual([`v1>${models[1]!.id}:hyperparams`, `${models[1]!.id}>v3:merge`, '模型-4>v3:merge'])
      const ev = (await conn.runAndReadAll(`SELECT kind, level, rule, isnan(value) AS nan FROM '${join(dir, 'lineage', 'events*.parquet')}' ORDER BY timestamp_ms`)).getRowObjects()
      expect(ev[0]).toMatchObject({ kind: 'incident', level: 'critical', rule: 'non_finite', nan: true })
    } finally {
      conn.closeSync()
    }
  })
})
