import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { CHANGE_TYPES, type EntrenarError, isEntrenarError } from '@entrenar/core'
import { createLineage, type Lineage, type LineageStorage, memoryStorage } from '@entrenar/graph'
import fc from 'fast-check'
import { parquetMetadata } from 'hyparquet'
import { describe, expect, it } from 'vitest'
import { tempDirs } from './temp-dirs.js'

const tmp = tempDirs('entrenar-graph-seg-')

const files = (dir: string) => readdirSync(join(dir, 'lineage')).sort()
const rows = (dir: string, name: string) => Number(parquetMetadata(new Uint8Array(readFileSync(join(dir, 'lineage', name))).buffer as ArrayBuffer).num_rows)

/** Everything observable about a graph, for exact comparison after a reload. */
async function snapshot(g: Lineage, ids: readonly string[]) {
  const out: unknown[] = [g.stats().models, g.stats().derivations, g.stats().events]
  for (const id of ids) {
    const m = await g.getModel(id)
    // Object.is per metric: NaN and -0 must survive.
    out.push(m && { ...m, metrics: Object.entries(m.metrics).map(([k, v]) => [k, Object.is(v, -0) ? '-0' : String(v)]) })
    if (m) out.push(await g.parents(id), await g.children(id), await g.healthEvents(id))
  }
  out.push(await g.export('openlineage'), await g.export('dot'))
  return out
}

async function chain(g: Lineage, from: number, to: number) {
  for (let i = from; i < to; i++) {
    await g.addModel({ id: `m${i}`, metrics: { acc: i / 100 }, createdAtMs: i })
    if (i > 0) await g.derive({ parent: `m${i - 1}`, child: `m${i}`, changeType: CHANGE_TYPES[i % 6]! })
  }
}

describe('incremental saves: append-only segments', () => {
  it('a flush after N changes writes only those rows; a reload merges every segment exactly', async () => {
    const dir = tmp()
    const g = await createLineage({ dir })
    await chain(g, 0, 50)
    await g.flush()
    expect(files(dir)).toEqual(['edges.000001.base.parquet', 'events.000001.base.parquet', 'nodes.000001.base.parquet'])
    const base = readFileSync(join(dir, 'lineage', 'nodes.000001.base.parquet'))

    await chain(g, 50, 53) // 3 new models, 3 new edges
    await g.addModel({ id: 'm7', metrics: { acc: Number.NaN, loss: -0 }, createdAtMs: 7, tags: { fixed: 'yes' }, config: { lr: 0.1 } }) // an update
    await g.derive({ parent: 'm1', child: 'm2', changeType: 'merge', description: 're-labelled' }) // an edge update
    await g.addHealthEvent({ kind: 'incident', modelId: 'm51', level: 'error', rule: 'spike', message: 'loss x3', timestampMs: 9 })
    await g.flush()
    expect(files(dir)).toEqual([
      'edges.000001.base.parquet',
      'edges.000002.parquet',
      'events.000001.base.parquet',
      'events.000002.parquet',
      'nodes.000001.base.parquet',
      'nodes.000002.parquet',
    ])
    expect(rows(dir, 'nodes.000002.parquet')).toBe(4)
    expect(rows(dir, 'edges.000002.parquet')).toBe(4)
    expect(rows(dir, 'events.000002.parquet')).toBe(1)
    // The base was not rewritten.
    expect(readFileSync(join(dir, 'lineage', 'nodes.000001.base.parquet')).equals(base)).toBe(true)
    expect(g.stats().segments).toBe(2)

    const ids = Array.from({ length: 53 }, (_, i) => `m${i}`)
    const h = await createLineage({ dir })
    expect(await snapshot(h, ids)).toEqual(await snapshot(g, ids))
    expect(h.stats()).toMatchObject({ segments: 2, skippedSegments: 0 })
    // A model replaced without a metric it had loses it after the reload too.
    await h.addModel({ id: 'm3', metrics: {}, createdAtMs: 3 })
    await h.flush()
    const k = await createLineage({ dir })
    expect((await k.getModel('m3'))?.metrics).toEqual({})
    expect(await snapshot(k, ids)).toEqual(await snapshot(h, ids))
  })

  it('compacts after compactAfter deltas and on compact(): one base, older files deleted', async () => {
    const dir = tmp()
    const g = await createLineage({ dir, compactAfter: 2 })
    await chain(g, 0, 5)
    await g.flush() // base 1
    await chain(g, 5, 6)
    await g.flush() // delta 2
    await chain(g, 6, 7)
    await g.flush() // delta 3
    expect(files(dir).filter((f) => f.startsWith('nodes'))).toEqual(['nodes.000001.base.parquet', 'nodes.000002.parquet', 'nodes.000003.parquet'])
    await chain(g, 7, 8)
    await g.flush() // two deltas follow the base: base 4
    expect(files(dir)).toEqual(['edges.000004.base.parquet', 'events.000004.base.parquet', 'nodes.000004.base.parquet'])
    await chain(g, 8, 9)
    await g.flush()
    await g.compact()
    expect(files(dir)).toEqual(['edges.000006.base.parquet', 'events.000006.base.parquet', 'nodes.000006.base.parquet'])
    await g.compact() // nothing to merge: no new file
    expect(files(dir)[0]).toBe('edges.000006.base.parquet')
    const ids = Array.from({ length: 9 }, (_, i) => `m${i}`)
    expect(await snapshot(await createLineage({ dir }), ids)).toEqual(await snapshot(g, ids))
    await expect(createLineage({ dir, compactAfter: -1 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
  })

  it('a torn or truncated last segment is skipped with a reported ENTRENAR_DB_CORRUPT and loses nothing saved before', async () => {
    const dir = tmp()
    const g = await createLineage({ dir })
    await chain(g, 0, 20)
    await g.flush()
    await chain(g, 20, 25)
    await g.flush()
    const ids = Array.from({ length: 25 }, (_, i) => `m${i}`)
    const saved = await snapshot(g, ids)
    await chain(g, 25, 30)
    await g.flush() // segment 3, damaged below
    const lin = join(dir, 'lineage')
    const seg3 = ['nodes.000003.parquet', 'edges.000003.parquet', 'events.000003.parquet']
    const keep = seg3.map((f) => readFileSync(join(lin, f)))

    const load = async () => {
      const errors: EntrenarError[] = []
      const h = await createLineage({ dir, onError: (e) => errors.push(e) })
      return { h, errors }
    }
    // (1) a crash between the renames of one segment: only some of its tables exist.
    rmSync(join(lin, 'edges.000003.parquet'))
    rmSync(join(lin, 'events.000003.parquet'))
    writeFileSync(join(lin, '.events.000003.parquet.4242.tmp'), 'half written')
    let { h, errors } = await load()
    expect(errors).toHaveLength(1)
    expect(isEntrenarError(errors[0], 'ENTRENAR_DB_CORRUPT')).toBe(true)
    expect(errors[0]!.message).toMatch(/segment 3 lacks its edges, events table/)
    expect(h.stats()).toMatchObject({ models: 25, skippedSegments: 1 })
    expect(await snapshot(h, ids)).toEqual(saved)

    // (2) every table present, one truncated.
    for (const [i, f] of seg3.entries()) writeFileSync(join(lin, f), keep[i]!)
    writeFileSync(join(lin, 'nodes.000003.parquet'), keep[0]!.subarray(0, keep[0]!.length - 30))
    ;({ h, errors } = await load())
    expect(errors.map((e) => e.code)).toEqual(['ENTRENAR_DB_CORRUPT'])
    expect(errors[0]!.message).toMatch(/nodes\.000003\.parquet: not a readable Parquet file/)
    expect(await snapshot(h, ids)).toEqual(saved)

    // (3) tables from two different saves under one number.
    writeFileSync(join(lin, 'nodes.000003.parquet'), readFileSync(join(lin, 'nodes.000002.parquet')))
    ;({ h, errors } = await load())
    expect(errors[0]!.message).toMatch(/generation 2 does not match its name/)
    expect(await snapshot(h, ids)).toEqual(saved)

    // The next save sets the damaged files aside, so they never hide a later segment.
    await chain(h, 25, 27)
    await h.flush()
    expect(files(dir).filter((f) => f.startsWith('damaged-'))).toEqual(['damaged-edges.000003.parquet', 'damaged-events.000003.parquet', 'damaged-nodes.000003.parquet'])
    expect(files(dir)).toContain('nodes.000004.parquet')
    const after = await load()
    expect(after.errors).toEqual([])
    const ids27 = Array.from({ length: 27 }, (_, i) => `m${i}`)
    expect(await snapshot(after.h, ids27)).toEqual(await snapshot(h, ids27))

    // A damaged segment that is not the last cannot be a crash: loading refuses instead of guessing.
    writeFileSync(join(lin, 'nodes.000002.parquet'), Buffer.from('PAR1 not really'))
    await expect(createLineage({ dir })).rejects.toMatchObject({ code: 'ENTRENAR_DB_CORRUPT' })
  })

  it('a crash during compaction falls back to the previous segments; one after it ignores the replaced ones', async () => {
    const dir = tmp()
    const lin = join(dir, 'lineage')
    const g = await createLineage({ dir })
    await chain(g, 0, 10)
    await g.flush()
    await chain(g, 10, 12)
    await g.flush()
    const ids = Array.from({ length: 12 }, (_, i) => `m${i}`)
    const saved = await snapshot(g, ids)
    // A compaction into a copy, to plant its files into the first directory.
    const other = tmp()
    for (const f of files(dir)) {
      mkdirSync(join(other, 'lineage'), { recursive: true })
      copyFileSync(join(lin, f), join(other, 'lineage', f))
    }
    const c = await createLineage({ dir: other })
    await c.compact()
    expect(files(other)).toEqual(['edges.000003.base.parquet', 'events.000003.base.parquet', 'nodes.000003.base.parquet'])

    // Crash mid-compaction: only the new base's node table was renamed into place.
    copyFileSync(join(other, 'lineage', 'nodes.000003.base.parquet'), join(lin, 'nodes.000003.base.parquet'))
    const errors: EntrenarError[] = []
    let h = await createLineage({ dir, onError: (e) => errors.push(e) })
    expect(errors).toHaveLength(1)
    expect(await snapshot(h, ids)).toEqual(saved)

    // Crash after the new base is complete, before the old segments were deleted.
    for (const f of ['edges', 'events']) copyFileSync(join(other, 'lineage', `${f}.000003.base.parquet`), join(lin, `${f}.000003.base.parquet`))
    h = await createLineage({ dir, onError: (e) => errors.push(e) })
    expect(errors).toHaveLength(1)
    expect(h.stats().segments).toBe(1)
    expect(await snapshot(h, ids)).toEqual(saved)
    await chain(h, 12, 13)
    await h.flush() // also deletes what the base replaced
    expect(files(dir)).toEqual(['edges.000003.base.parquet', 'edges.000004.parquet', 'events.000003.base.parquet', 'events.000004.parquet', 'nodes.000003.base.parquet', 'nodes.000004.parquet'])
  })

  it('reads the schema-1 layout and migrates it to segments on the next save', async () => {
    const dir = tmp()
    mkdirSync(join(dir, 'lineage'))
    for (const f of ['nodes', 'edges', 'events']) copyFileSync(join(import.meta.dirname, 'fixtures', 'v1', `${f}.parquet`), join(dir, 'lineage', `${f}.parquet`))
    const g = await createLineage({ dir })
    expect(g.stats()).toMatchObject({ models: 3, derivations: 2, events: 1, segments: 1 })
    const v1 = await g.getModel('v1')
    expect(v1).toMatchObject({ version: '1.0', configHash: 'h1', config: { lr: 0.001 }, tags: { team: 'a' }, runId: 'run-1' })
    expect(Number.isNaN(v1?.metrics.loss)).toBe(true)
    expect(await g.parents('v3')).toEqual(['v2'])
    expect(await g.regressionSource('v3', { metric: 'accuracy', higherIsBetter: true })).toMatchObject({ model: 'v2', parent: 'v1', derivation: { changeType: 'architecture', description: 'wider' } })
    expect(await g.trainedThroughIncident()).toEqual(['v3'])
    await g.addModel({ id: 'v4', metrics: { accuracy: 0.9 }, createdAtMs: 4 })
    await g.derive({ parent: 'v3', child: 'v4', changeType: 'retrain' })
    const ids = ['v1', 'v2', 'v3', 'v4']
    const before = await snapshot(g, ids)
    await g.close()
    expect(files(dir)).toEqual(['edges.000001.base.parquet', 'events.000001.base.parquet', 'nodes.000001.base.parquet'])
    const h = await createLineage({ dir })
    expect(await snapshot(h, ids)).toEqual(before)
    expect(await h.lineage('v4')).toEqual(ids)
  })

  it('DuckDB reads the lineage across segments with a glob', async () => {
    const dir = tmp()
    const g = await createLineage({ dir })
    await chain(g, 0, 4)
    await g.flush()
    await chain(g, 4, 6)
    await g.addModel({ id: 'm1', metrics: { acc: 0.5 }, createdAtMs: 1, tags: { relabelled: 'true' } })
    await g.flush()
    const lin = join(dir, 'lineage')
    const db = await DuckDBInstance.create(':memory:')
    const conn = await db.connect()
    try {
      const q = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjects()
      // The latest row of a model wins: segments sort by number in their file names.
      const latest = await q(
        `SELECT id, metric_acc, tags FROM read_parquet('${lin}/nodes*.parquet', union_by_name = true, filename = true) QUALIFY row_number() OVER (PARTITION BY id ORDER BY filename DESC) = 1 ORDER BY created_at_ms`,
      )
      expect(latest.map((r) => r.id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5'])
      expect(latest[1]).toMatchObject({ metric_acc: 0.5, tags: '{"relabelled":"true"}' })
      const edges = await q(`SELECT e.parent, e.child, e.change_type FROM read_parquet('${lin}/edges*.parquet') e ORDER BY e.child_row`)
      expect(edges.map((r) => `${r.parent}>${r.child}:${r.change_type}`)).toEqual(['m0>m1:hyperparams', 'm1>m2:architecture', 'm2>m3:retrain', 'm3>m4:fine_tune', 'm4>m5:merge'])
      const joined = await q(`SELECT count(*)::INT AS n FROM read_parquet('${lin}/edges*.parquet') e JOIN read_parquet('${lin}/nodes*.parquet', union_by_name = true) n ON n.id = e.child`)
      expect(joined[0]!.n).toBe(6) // m1 appears in two segments
    } finally {
      conn.closeSync()
    }
  })

  it('a failed write keeps everything pending; partial files of it are set aside before the next save', async () => {
    const inner = memoryStorage()
    let fail: 'all' | 'after-first' | undefined
    const storage: LineageStorage = {
      read: (n) => inner.read(n),
      list: () => inner.list(),
      remove: (n) => inner.remove(n),
      async write(update) {
        if (fail === 'all') throw new Error('disk full')
        if (fail === 'after-first') {
          const [first] = Object.entries(update)
          await inner.write({ [first![0]]: first![1] })
          throw new Error('disk full after one file')
        }
        await inner.write(update)
      },
    }
    const g = await createLineage({ storage })
    await chain(g, 0, 5)
    await g.flush()
    await chain(g, 5, 7)
    fail = 'all'
    await expect(g.flush()).rejects.toMatchObject({ code: 'ENTRENAR_SINK_FAILED' })
    fail = 'after-first'
    await expect(g.flush()).rejects.toMatchObject({ code: 'ENTRENAR_SINK_FAILED' })
    // A crash now leaves a torn last segment: a load skips it.
    const errors: EntrenarError[] = []
    const mid = await createLineage({ storage, onError: (e) => errors.push(e) })
    expect(mid.stats().models).toBe(5)
    expect(errors).toHaveLength(1)
    fail = undefined
    await chain(g, 7, 8)
    await g.flush()
    const ids = Array.from({ length: 8 }, (_, i) => `m${i}`)
    const h = await createLineage({ storage, onError: (e) => errors.push(e) })
    expect(errors).toHaveLength(1)
    expect(await snapshot(h, ids)).toEqual(await snapshot(g, ids))
    expect((await inner.list()).filter((n) => n.startsWith('damaged-'))).toHaveLength(1)
  })

  it('random edits with flushes and compactions in between reload to the same graph', async () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('model' as const), k: fc.nat(30), acc: fc.oneof(fc.double({ noNaN: false }), fc.constant(undefined)), tag: fc.boolean() }),
      fc.record({ t: fc.constant('edge' as const), p: fc.nat(30), c: fc.nat(30), ct: fc.nat(5), desc: fc.oneof(fc.string({ maxLength: 4 }), fc.constant(undefined)) }),
      fc.record({ t: fc.constant('event' as const), k: fc.nat(30) }),
      fc.record({ t: fc.constant('flush' as const), compact: fc.boolean() }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.nat(3), async (ops, compactAfter) => {
        const storage = memoryStorage()
        const g = await createLineage({ storage, compactAfter })
        const ids = new Set<string>()
        for (const o of ops) {
          if (o.t === 'model') {
            ids.add(`m${o.k}`)
            await g.addModel({ id: `m${o.k}`, metrics: o.acc === undefined ? {} : { acc: o.acc }, createdAtMs: o.k, ...(o.tag ? { tags: { k: String(o.k) } } : {}) })
          } else if (o.t === 'edge') {
            // Parent below child: never a cycle.
            const [p, c] = [Math.min(o.p, o.c), Math.max(o.p, o.c)]
            if (p === c || !ids.has(`m${p}`) || !ids.has(`m${c}`)) continue
            await g.derive({ parent: `m${p}`, child: `m${c}`, changeType: CHANGE_TYPES[o.ct]!, ...(o.desc === undefined ? {} : { description: o.desc }) })
          } else if (o.t === 'event') {
            if (!ids.has(`m${o.k}`)) continue
            await g.addHealthEvent({ kind: 'drift', modelId: `m${o.k}`, level: 'warning', rule: 'adwin', message: 'drift', timestampMs: o.k })
          } else {
            await (o.compact ? g.compact() : g.flush())
            const h = await createLineage({ storage })
            expect(await snapshot(h, [...ids])).toEqual(await snapshot(g, [...ids]))
          }
        }
        await g.flush()
        const h = await createLineage({ storage })
        expect(await snapshot(h, [...ids])).toEqual(await snapshot(g, [...ids]))
      }),
      { seed: 606, numRuns: 40 },
    )
  })
})
