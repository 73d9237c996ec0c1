/**
 * Metric families with pre-rendered series prefixes. A series keeps the text `name{labels} ` it
 * renders with, built once when the series (or its labels) change, so a scrape only formats
 * numbers: that is where the exporter's speed over prom-client comes from (prom-client formats
 * every label set on every scrape).
 */
import type { ExportedSample, ExportFormat } from '@entrenar/core'
import { escapeHelp, formatBound, formatLabels, formatValue } from './format.js'

/** A label set as sorted parallel arrays. */
export interface LabelSet {
  readonly names: readonly string[]
  readonly values: readonly string[]
}

/** Sorts a record of labels into a {@link LabelSet}. */
export function labelSet(labels: Readonly<Record<string, string>>): LabelSet {
  const names = Object.keys(labels).sort()
  return { names, values: names.map((n) => labels[n]!) }
}

function labelsRecord(set: LabelSet, extra?: readonly [string, string]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < set.names.length; i++) out[set.names[i]!] = set.values[i]!
  if (extra) out[extra[0]] = extra[1]
  return out
}

/** Kind of a family. */
export type FamilyType = 'gauge' | 'counter' | 'histogram'

/** One series of a gauge or counter family. */
export class ScalarSeries {
  value = 0
  key: string
  labels: LabelSet
  prefix: string

  constructor(sampleName: string, labels: LabelSet) {
    this.labels = labels
    this.key = formatLabels(labels.names, labels.values)
    this.prefix = `${sampleName}${this.key} `
  }

  relabel(sampleName: string, labels: LabelSet): void {
    this.labels = labels
    this.key = formatLabels(labels.names, labels.values)
    this.prefix = `${sampleName}${this.key} `
  }
}

/** One series of a histogram family: cumulative bucket counts, sum and count. */
export class HistogramSeries {
  readonly counts: Float64Array
  sum = 0
  count = 0
  key: string
  labels: LabelSet
  #bounds: readonly number[]
  bucketPrefixes: string[] = []
  sumPrefix = ''
  countPrefix = ''

  constructor(name: string, bounds: readonly number[], labels: LabelSet) {
    this.#bounds = bounds
    this.counts = new Float64Array(bounds.length + 1)
    this.labels = labels
    this.key = formatLabels(labels.names, labels.values)
    this.relabel(name, labels)
  }

  relabel(name: string, labels: LabelSet): void {
    this.labels = labels
    this.key = formatLabels(labels.names, labels.values)
    const inner = this.key.length > 0 ? `${this.key.slice(1, -1)},` : ''
    const bounds = [...this.#bounds, Number.POSITIVE_INFINITY]
    this.bucketPrefixes = bounds.map((b) => `${name}_bucket{${inner}le="${formatBound(b)}"} `)
    this.sumPrefix = `${name}_sum${this.key} `
    this.countPrefix = `${name}_count${this.key} `
  }

  /** Records one observation (non-cumulative bucket; cumulated at render). NaN is data: it lands in the `+Inf` bucket and makes the sum NaN, as in Prometheus' client_golang. */
  observe(x: number): void {
    const b = this.#bounds
    let i = 0
    // Linear scan: histograms here have ~15 buckets; a binary search costs more at that size.
    while (i < b.length && !(x <= b[i]!)) i++
    this.counts[i]!++
    this.sum += x
    this.count++
  }
}

/** A family: name, help, type, optional unit, and its series in a stable (label text) order. */
export class Family {
  readonly name: string
  readonly help: string
  readonly type: FamilyType
  readonly unit: string | undefined
  readonly bounds: readonly number[]
  readonly #series = new Map<string, ScalarSeries | HistogramSeries>()
  #sorted: (ScalarSeries | HistogramSeries)[] | null = null

  /** `name` is the family name as the text format 0.0.4 writes it (counters end with `_total`). */
  constructor(name: string, help: string, type: FamilyType, options: { unit?: string; bounds?: readonly number[] } = {}) {
    this.name = name
    this.help = help
    this.type = type
    this.unit = options.unit
    this.bounds = options.bounds ?? []
  }

  get size(): number {
    return this.#series.size
  }

  /** The existing series with these labels, if any. */
  get(labels: LabelSet): ScalarSeries | HistogramSeries | undefined {
    return this.#series.get(formatLabels(labels.names, labels.values))
  }

  /** The series with these labels, created on first use. */
  scalar(labels: LabelSet): ScalarSeries {
    const key = formatLabels(labels.names, labels.values)
    let s = this.#series.get(key) as ScalarSeries | undefined
    if (!s) {
      s = new ScalarSeries(this.name, labels)
      this.#series.set(key, s)
      this.#sorted = null
    }
    return s
  }

  /** The histogram series with these labels, created on first use. */
  histogram(labels: LabelSet): HistogramSeries {
    const key = formatLabels(labels.names, labels.values)
    let s = this.#series.get(key) as HistogramSeries | undefined
    if (!s) {
      s = new HistogramSeries(this.name, this.bounds, labels)
      this.#series.set(key, s)
      this.#sorted = null
    }
    return s
  }

  /** Changes the labels of existing series (used when a name collision adds a `metric` label). */
  relabel(fn: (labels: LabelSet) => LabelSet): void {
    const all = [...this.#series.values()]
    this.#series.clear()
    for (const s of all) {
      s.relabel(this.name, fn(s.labels))
      this.#series.set(s.key, s)
    }
    this.#sorted = null
  }

  /** Removes every series for which `drop` is true; returns how many were removed. */
  prune(drop: (labels: LabelSet) => boolean): number {
    let n = 0
    for (const [k, s] of this.#series) {
      if (drop(s.labels)) {
        this.#series.delete(k)
        n++
      }
    }
    if (n > 0) this.#sorted = null
    return n
  }

  series(): readonly (ScalarSeries | HistogramSeries)[] {
    if (!this.#sorted) this.#sorted = [...this.#series.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    return this.#sorted
  }

  /** Family name in the given format: OpenMetrics names a counter family without `_total`. */
  familyName(format: ExportFormat): string {
    return format === 'openmetrics' && this.type === 'counter' ? this.name.replace(/_total$/, '') : this.name
  }

  /** Appends the family (headers and every series) to `out`. Empty families render nothing. */
  render(format: ExportFormat): string {
    const series = this.series()
    if (series.length === 0) return ''
    const fname = this.familyName(format)
    let out = `# HELP ${fname} ${escapeHelp(this.help, format)}\n# TYPE ${fname} ${this.type}\n`
    if (format === 'openmetrics' && this.unit) out += `# UNIT ${fname} ${this.unit}\n`
    if (this.type === 'histogram') {
      for (const s of series as HistogramSeries[]) {
        let cum = 0
        for (let i = 0; i < s.counts.length; i++) {
          cum += s.counts[i]!
          out += `${s.bucketPrefixes[i]!}${cum}\n`
        }
        out += `${s.sumPrefix}${formatValue(s.sum)}\n${s.countPrefix}${s.count}\n`
      }
      return out
    }
    for (const s of series as ScalarSeries[]) out += `${s.prefix}${formatValue(s.value)}\n`
    return out
  }

  /** The family's samples (histograms expand to `_bucket`, `_sum` and `_count` samples). */
  collect(into: ExportedSample[]): void {
    for (const s of this.series()) {
      if (s instanceof HistogramSeries) {
        const bounds = [...this.bounds, Number.POSITIVE_INFINITY]
        let cum = 0
        for (let i = 0; i < s.counts.length; i++) {
          cum += s.counts[i]!
          into.push({ name: `${this.name}_bucket`, type: 'histogram', help: this.help, labels: labelsRecord(s.labels, ['le', formatBound(bounds[i]!)]), value: cum })
        }
        into.push({ name: `${this.name}_sum`, type: 'histogram', help: this.help, labels: labelsRecord(s.labels), value: s.sum })
        into.push({ name: `${this.name}_count`, type: 'histogram', help: this.help, labels: labelsRecord(s.labels), value: s.count })
      } else {
        into.push({ name: this.name, type: this.type, help: this.help, labels: labelsRecord(s.labels), value: s.value })
      }
    }
  }
}
