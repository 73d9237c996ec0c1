/** How a model was derived from its parent(s). */
export type ChangeType = 'add_data' | 'hyperparams' | 'architecture' | 'retrain' | 'fine_tune' | 'merge'

/** A model version in the lineage graph. */
export interface ModelNode {
  readonly id: string
  readonly version?: string
  /** Final metrics, e.g. `{ accuracy: 0.93, latency_ms: 12, size_bytes: 4e6 }`. */
  readonly metrics: Readonly<Record<string, number>>
  readonly createdAtMs: number
  readonly configHash?: string
  readonly config?: Readonly<Record<string, unknown>>
  readonly tags?: Readonly<Record<string, string>>
  readonly runId?: string
}

/** An edge parent → child. */
export interface Derivation {
  readonly parent: string
  readonly child: string
  readonly changeType: ChangeType
  readonly description?: string
}

/** Per-metric comparison of two models. */
export interface MetricDelta {
  readonly metric: string
  readonly a: number
  readonly b: number
  /** `b − a`. */
  readonly delta: number
  /** `(b − a) / |a|`, NaN when `a` is 0. */
  readonly relative: number
}

/** The derivation that introduced a regression of a metric. */
export interface RegressionSource {
  readonly metric: string
  /** The first model on the path (oldest first) at which the metric got worse than its parent. */
  readonly model: string
  readonly parent: string
  readonly derivation: Derivation
  readonly before: number
  readonly after: number
}

/**
 * Model lineage: which model came from which, with what change, and where a regression started.
 * Unknown ids reject with `ENTRENAR_NOT_FOUND`; an edge that would close a cycle rejects with
 * `ENTRENAR_LINEAGE_CYCLE`.
 */
export interface LineageGraph {
  addModel(model: ModelNode): Promise<void>
  derive(edge: Derivation): Promise<void>
  getModel(id: string): Promise<ModelNode | undefined>
  parents(id: string): Promise<string[]>
  children(id: string): Promise<string[]>
  /** Ancestors, nearest first (breadth-first), up to `depth` levels. */
  ancestors(id: string, options?: { depth?: number }): Promise<string[]>
  descendants(id: string, options?: { depth?: number }): Promise<string[]>
  compare(a: string, b: string): Promise<MetricDelta[]>
  regressionSource(id: string, options: { metric: string; higherIsBetter: boolean }): Promise<RegressionSource | undefined>
  export(format: 'dot' | 'mermaid' | 'openlineage'): Promise<string>
}
