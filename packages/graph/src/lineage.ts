import {
  type Derivation,
  EntrenarError,
  ErrorCodes,
  type HealthEvent,
  type IncidentQuery,
  type LineageEntry,
  type LineageExportFormat,
  type LineageGraph,
  type MetricDelta,
  type ModelDiff,
  type ModelNode,
  type RegressionSource,
} from '@entrenar/core'
import { toDot } from './export/dot.js'
import { toMermaid } from './export/mermaid.js'
import { type OpenLineageOptions, toOpenLineage } from './export/openlineage.js'
import { allRows, range, type SegmentRows } from './io/encode.js'
import { SegmentLog } from './io/segment-log.js'
import type { LineageStorage } from './io/storage.js'
import { compareModels, diffConfig, diffTags } from './query/compare.js'
import { HealthIndex } from './query/health.js'
import { RegressionIndex } from './query/regression.js'
import { bfs, firstParentChain, Marks, reaches } from './query/walk.js'
import { CHANGE_CODE, GraphStore } from './store/graph-store.js'
import { checkDerivation, checkHealthEvent, checkModel } from './validate.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link createLineage}. */
export interface LineageOptions {
  /** A store directory: the tables live in `<dir>/lineage/` (Node only). */
  readonly dir?: string
  /** Any other storage (wins over `dir`). Without either the graph lives in memory only. */
  readonly storage?: LineageStorage
  /** Write the tables after every change instead of on `flush()`/`close()`. Default false. */
  readonly autoFlush?: boolean
  /**
   * A flush appends a delta segment holding only what changed; once this many deltas follow the
   * base, the next flush writes a new base instead (compaction). Default 32.
   */
  readonly compactAfter?: number
  /**
   * Problems found and survived, e.g. the incomplete last segment of an interrupted save, which a
   * load skips (`ENTRENAR_DB_CORRUPT`, `details.files`). Default: none.
   */
  readonly onError?: (error: EntrenarError) => void
  /** Namespace and producer of the OpenLineage export. */
  readonly openLineage?: OpenLineageOptions
}

/** Counts of a lineage graph. */
export interface LineageStats {
  /** Models registered. */
  readonly models: number
  /** Derivation edges between models (parent → child). */
  readonly derivations: number
  /** Health events attached to models (incidents, drift). */
  readonly events: number
  /** Distinct metric names recorded on models (each is one column of the graph). */
  readonly metrics: number
  /** Segments in storage: the base and the deltas after it (0 before the first save). */
  readonly segments: number
  /** Incomplete segments the load skipped (reported to `onError`). */
  readonly skippedSegments: number
}

/** The lineage graph of {@link createLineage}: the {@link LineageGraph} contract plus local extras. */
export interface Lineage extends LineageGraph {
  /** Counts of the graph in memory and of its storage segments. */
  stats(): LineageStats
  /**
   * Writes the whole graph as one base segment and deletes the segments it replaces (a flush does
   * this by itself every `compactAfter` deltas). No-op without storage.
   */
  compact(): Promise<void>
  /** Flushes and releases the graph; later calls reject with `ENTRENAR_CLOSED`. Idempotent. */
  close(): Promise<void>
}

const notFound = (id: string) => new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar/graph: unknown model ${JSON.stringify(id)}`, { details: { id } })
const invalid = (message: string) => new EntrenarError('ENTRENAR_LINEAGE_INVALID', `entrenar/graph: ${message}`)

function checkDepth(options: { depth?: number } | undefined): number {
  const d = options?.depth ?? Number.POSITIVE_INFINITY
  if (typeof d !== 'number' || Number.isNaN(d) || d < 0 || (Number.isFinite(d) && !Number.isInteger(d))) throw invalid(`depth must be a non-negative integer or Infinity, got ${String(d)}`)
  return d
}

class LineageImpl implements Lineage {
  readonly #g = new GraphStore()
  readonly #health = new HealthIndex()
  readonly #regression = new RegressionIndex()
  readonly #marks = new Marks()
  readonly #log: SegmentLog | undefined
  readonly #autoFlush: boolean
  readonly #compactAfter: number
  readonly #openLineage: OpenLineageOptions
  /** Models, derivations and events the storage holds; rows below these that changed since. */
  #savedN = 0
  #savedM = 0
  #savedK = 0
  #changedNodes = new Set<number>()
  #changedEdges = new Set<number>()
  #dirty = false
  #closed = false
  #flushing: Promise<void> = Promise.resolve()

  constructor(storage: LineageStorage | undefined, options: LineageOptions) {
    this.#log = storage ? new SegmentLog(storage, options.onError ?? (() => {})) : undefined
    this.#autoFlush = options.autoFlush ?? false
    const k = options.compactAfter ?? 32
    if (!Number.isInteger(k) || k < 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/graph: compactAfter must be a non-negative integer, got ${String(k)}`)
    this.#compactAfter = k
    this.#openLineage = options.openLineage ?? {}
  }

  async load(): Promise<void> {
    if (!this.#log) return
    await this.#log.load(this.#g, this.#health)
    this.#savedN = this.#g.n
    this.#savedM = this.#g.m
    this.#savedK = this.#health.events.length
  }

  #open(): void {
    if (this.#closed) throw new EntrenarError(ErrorCodes.CLOSED, 'entrenar/graph: the lineage graph is closed')
  }

  #index(id: string): number {
    this.#open()
    if (typeof id !== 'string') throw invalid(`model id must be a string, got ${typeof id}`)
    const v = this.#g.indexOf(id)
    if (v < 0) throw notFound(id)
    return v
  }

  async #changed(): Promise<void> {
    this.#dirty = true
    if (this.#autoFlush) await this.flush()
  }

  /** A change to `v` affects every node below it; with no children, only `v`. */
  #invalidate(v: number): void {
    if (this.#g.outDegree(v) === 0) this.#regression.invalidateNode(v)
    else this.#regression.invalidateAll()
  }

  #setModel(model: ModelNode): void {
    const v = this.#g.indexOf(model.id)
    if (v >= 0) this.#invalidate(v)
    if (v >= 0 && v < this.#savedN) this.#changedNodes.add(v)
    this.#g.setModel(model)
  }

  #checkEdge(d: Derivation): { p: number; c: number; existing: number } {
    const p = this.#index(d.parent)
    const c = this.#index(d.child)
    const existing = this.#g.findEdge(p, c)
    if (existing < 0 && reaches(this.#g, this.#marks, c, p)) {
      throw new EntrenarError(
        'ENTRENAR_LINEAGE_CYCLE',
        `entrenar/graph: derivation ${JSON.stringify(d.parent)} → ${JSON.stringify(d.child)} would close a cycle (${JSON.stringify(d.child)} is ${p === c ? 'the same model' : `an ancestor of ${JSON.stringify(d.parent)}`})`,
        { details: { parent: d.parent, child: d.child } },
      )
    }
    return { p, c, existing }
  }

  #derive(d: Derivation, p: number, c: number, existing: number): void {
    const g = this.#g
    const desc = d.description === undefined ? -1 : g.pool.intern(d.description)
    if (existing >= 0) {
      g.eType[existing] = CHANGE_CODE[d.changeType]
      g.eDesc[existing] = desc
      if (existing < this.#savedM) this.#changedEdges.add(existing)
      return
    }
    this.#invalidate(c)
    g.appendEdge(p, c, CHANGE_CODE[d.changeType], desc)
  }

  async addModel(model: ModelNode): Promise<void> {
    this.#open()
    checkModel(model)
    this.#setModel(model)
    await this.#changed()
  }

  async derive(edge: Derivation): Promise<void> {
    this.#open()
    checkDerivation(edge)
    const { p, c, existing } = this.#checkEdge(edge)
    this.#derive(edge, p, c, existing)
    await this.#changed()
  }

  async register(entry: LineageEntry): Promise<void> {
    this.#open()
    if (typeof entry !== 'object' || entry === null) throw invalid('a lineage entry must be an object')
    const { model } = entry
    checkModel(model)
    const parents = entry.parents ?? []
    const events = entry.events ?? []
    const edges = parents.map((p) => ({ parent: p.id, child: model.id, changeType: p.changeType, ...(p.description !== undefined ? { description: p.description } : {}) }))
    // Everything is checked before anything changes, so a rejected entry leaves no trace.
    for (const e of edges) checkDerivation(e)
    if (new Set(parents.map((p) => p.id)).size !== parents.length) throw invalid(`model ${JSON.stringify(model.id)} lists a parent twice`)
    const existing = this.#g.indexOf(model.id)
    for (const e of edges) {
      if (e.parent === model.id) throw new EntrenarError('ENTRENAR_LINEAGE_CYCLE', `entrenar/graph: model ${JSON.stringify(model.id)} cannot be its own parent`)
      this.#index(e.parent)
      // A new model has no children yet, so only an existing one can close a cycle.
      if (existing >= 0) this.#checkEdge(e)
    }
    for (const e of events) {
      checkHealthEvent(e)
      if (e.modelId !== undefined && e.modelId !== model.id) this.#index(e.modelId)
    }
    this.#setModel(model)
    for (const e of edges) {
      const { p, c, existing } = this.#checkEdge(e)
      this.#derive(e, p, c, existing)
    }
    for (const e of events) this.#health.add(e)
    await this.#changed()
  }

  async getModel(id: string): Promise<ModelNode | undefined> {
    this.#open()
    const v = this.#g.indexOf(id)
    return v < 0 ? undefined : this.#g.model(v)
  }

  async parents(id: string): Promise<string[]> {
    const g = this.#g
    return g.inEdges(this.#index(id)).map((e) => g.ids.get(g.eParent[e]!))
  }

  async children(id: string): Promise<string[]> {
    const g = this.#g
    return g.outEdges(this.#index(id)).map((e) => g.ids.get(g.eChild[e]!))
  }

  #names(vs: ArrayLike<number>): string[] {
    const out: string[] = new Array(vs.length)
    for (let i = 0; i < vs.length; i++) out[i] = this.#g.ids.get(vs[i]!)
    return out
  }

  async ancestors(id: string, options?: { depth?: number }): Promise<string[]> {
    const v = this.#index(id)
    return this.#names(bfs(this.#g, this.#marks, v, true, checkDepth(options)))
  }

  async descendants(id: string, options?: { depth?: number }): Promise<string[]> {
    const v = this.#index(id)
    return this.#names(bfs(this.#g, this.#marks, v, false, checkDepth(options)))
  }

  async lineage(id: string): Promise<string[]> {
    return this.#names(firstParentChain(this.#g, this.#index(id)))
  }

  async compare(a: string, b: string): Promise<MetricDelta[]> {
    return compareModels(this.#g.model(this.#index(a)), this.#g.model(this.#index(b)))
  }

  async diff(a: string, b: string): Promise<ModelDiff> {
    const ma = this.#g.model(this.#index(a))
    const mb = this.#g.model(this.#index(b))
    return { a, b, config: diffConfig(ma, mb), tags: diffTags(ma, mb), configHashChanged: ma.configHash !== mb.configHash }
  }

  async regressionSource(id: string, options: { metric: string; higherIsBetter: boolean }): Promise<RegressionSource | undefined> {
    const v = this.#index(id)
    if (typeof options?.metric !== 'string' || options.metric.length === 0) throw invalid('regressionSource needs a metric name')
    if (typeof options.higherIsBetter !== 'boolean') throw invalid('regressionSource needs higherIsBetter: true or false')
    return this.#regression.query(this.#g, v, options.metric, options.higherIsBetter)
  }

  async addHealthEvent(event: HealthEvent): Promise<void> {
    this.#open()
    checkHealthEvent(event)
    if (event.modelId !== undefined) this.#index(event.modelId)
    this.#health.add(event)
    await this.#changed()
  }

  async healthEvents(id: string): Promise<HealthEvent[]> {
    const v = this.#index(id)
    const run = this.#g.runOf[v]!
    return this.#health.of(id, run >= 0 ? this.#g.pool.get(run) : undefined)
  }

  #flagged(q: IncidentQuery): Set<number> {
    const g = this.#g
    const hit = this.#health.models(g, q)
    if (!q.inherited || hit.size === 0) return hit
    // Multi-source breadth-first walk down from every matching model.
    const marks = this.#marks
    marks.begin(g.n)
    const queue: number[] = []
    for (const v of hit) if (marks.mark(v)) queue.push(v)
    for (let head = 0; head < queue.length; head++) {
      for (const e of g.outEdges(queue[head]!)) {
        const w = g.eChild[e]!
        if (marks.mark(w)) {
          queue.push(w)
          hit.add(w)
        }
      }
    }
    return hit
  }

  async trainedThroughIncident(query: IncidentQuery = {}): Promise<string[]> {
    this.#open()
    if (typeof query !== 'object' || query === null) throw invalid('an incident query must be an object')
    return this.#names([...this.#flagged(query)].sort((a, b) => a - b))
  }

  async export(format: LineageExportFormat): Promise<string> {
    this.#open()
    const g = this.#g
    switch (format) {
      case 'dot':
        return toDot(g, this.#flagged({}))
      case 'mermaid':
        return toMermaid(g, this.#flagged({}))
      case 'openlineage':
        return toOpenLineage(
          g,
          (v) => {
            const run = g.runOf[v]!
            return this.#health.of(g.ids.get(v), run >= 0 ? g.pool.get(run) : undefined)
          },
          this.#openLineage,
        )
      default:
        throw invalid(`export format must be dot, mermaid or openlineage, got ${String(format)}`)
    }
  }

  async flush(): Promise<void> {
    await this.#save(false)
  }

  async compact(): Promise<void> {
    await this.#save(true)
  }

  /** The rows changed or added since the last save: a delta segment. */
  #deltaRows(): SegmentRows {
    const sorted = (set: Set<number>) => Int32Array.from(set).sort()
    const cat = (a: Int32Array, b: Int32Array) => {
      const out = new Int32Array(a.length + b.length)
      out.set(a)
      out.set(b, a.length)
      return out
    }
    return {
      nodes: cat(sorted(this.#changedNodes), range(this.#savedN, this.#g.n)),
      edges: cat(sorted(this.#changedEdges), range(this.#savedM, this.#g.m)),
      eventsFrom: this.#savedK,
    }
  }

  async #save(compact: boolean): Promise<void> {
    this.#open()
    const log = this.#log
    if (!log) return
    // Serialised: each save encodes a snapshot after the previous write finished.
    const next = this.#flushing.then(async () => {
      if (!this.#dirty && !(compact && log.segments !== 1)) return
      const base = compact || log.needsBase(this.#compactAfter)
      const g = this.#g
      const saved = { n: this.#savedN, m: this.#savedM, k: this.#savedK, nodes: this.#changedNodes, edges: this.#changedEdges }
      const rows = base ? allRows(g) : this.#deltaRows()
      this.#dirty = false
      this.#savedN = g.n
      this.#savedM = g.m
      this.#savedK = this.#health.events.length
      this.#changedNodes = new Set()
      this.#changedEdges = new Set()
      try {
        await log.save(g, this.#health, rows, base)
      } catch (e) {
        // Everything in this segment is pending again, together with what changed meanwhile.
        this.#dirty = true
        this.#savedN = saved.n
        this.#savedM = saved.m
        this.#savedK = saved.k
        for (const v of this.#changedNodes) saved.nodes.add(v)
        for (const x of this.#changedEdges) saved.edges.add(x)
        this.#changedNodes = new Set([...saved.nodes].filter((v) => v < saved.n))
        this.#changedEdges = new Set([...saved.edges].filter((x) => x < saved.m))
        throw new EntrenarError(ErrorCodes.SINK_FAILED, `entrenar/graph: writing the lineage tables failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
      }
    })
    this.#flushing = next.catch(() => undefined)
    await next
  }

  stats(): LineageStats {
    return {
      models: this.#g.n,
      derivations: this.#g.m,
      events: this.#health.events.length,
      metrics: this.#g.metrics.size,
      segments: this.#log?.segments ?? 0,
      skippedSegments: this.#log?.skipped ?? 0,
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    await this.flush()
    this.#closed = true
  }
}

/**
 * Opens (or creates) a lineage graph. With `dir` the graph is read from the segments in
 * `<dir>/lineage/` when present; `flush()` / `close()` append what changed as a new segment.
 *
 * @example
 * ```ts
 * const g = await createLineage({ dir: './runs' })
 * await g.register({ model: { id: 'v2', runId, metrics: { accuracy: 0.91 }, createdAtMs: Date.now() },
 *                    parents: [{ id: 'v1', changeType: 'hyperparams', description: 'lr 3e-4 → 1e-4' }] })
 * await g.regressionSource('v2', { metric: 'accuracy', higherIsBetter: true })
 * await g.close()
 * ```
 */
export async function createLineage(options: LineageOptions = {}): Promise<Lineage> {
  checkOptions('entrenar/graph: createLineage', options, CREATE_LINEAGE_OPTIONS)
  let storage = options.storage
  if (!storage && options.dir !== undefined) {
    if (typeof options.dir !== 'string' || options.dir.length === 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/graph: dir must be a non-empty string')
    const { fsStorage } = await import('./io/fs-storage.js')
    storage = fsStorage(options.dir)
  }
  const impl = new LineageImpl(storage, options)
  await impl.load()
  return impl
}

/** The option names createLineage accepts (unknown ones are errors). */
const CREATE_LINEAGE_OPTIONS = optionKeys<NonNullable<Parameters<typeof createLineage>[0]>>({ dir: true, storage: true, autoFlush: true, compactAfter: true, onError: true, openLineage: true })
