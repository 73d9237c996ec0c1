import { type EntrenarError, isEntrenarError } from '@entrenar/core'
import type { HealthIndex } from '../query/health.js'
import type { GraphStore } from '../store/graph-store.js'
import { applySegment, checkAcyclic, corrupt, type ParsedSegment, readSegment } from './decode.js'
import { encodeSegment, type SegmentRows } from './encode.js'
import { parseSegments } from './segments.js'
import type { LineageStorage } from './storage.js'

/** Prefix under which the files of an interrupted save are kept aside (no lineage glob matches it). */
export const DAMAGED_PREFIX = 'damaged-'

/**
 * The segments of one lineage directory: which exist, which a save appends or replaces, and which
 * an interrupted save left behind. See `segments.ts` for the layout.
 */
export class SegmentLog {
  readonly #storage: LineageStorage
  readonly #onError: (e: EntrenarError) => void
  /** Highest segment number seen or written. */
  #seq = 0
  /** Files of the current base and the deltas after it. */
  #live: string[] = []
  /** Files older than the current base (a compaction interrupted before its clean-up). */
  #obsolete: string[] = []
  /** Files of an interrupted last segment, kept aside before the next save. */
  #damaged: string[] = []
  #deltas = 0
  /** The loaded base was schema 1: the first save writes a schema-2 base. */
  #legacy = false
  skipped = 0

  constructor(storage: LineageStorage, onError: (e: EntrenarError) => void) {
    this.#storage = storage
    this.#onError = onError
  }

  /** Segments written since (and including) the current base. */
  get segments(): number {
    return this.#live.length === 0 ? 0 : this.#deltas + 1
  }

  /** Whether the next save must write a base: nothing saved yet, a schema-1 base, or too many deltas. */
  needsBase(compactAfter: number): boolean {
    return this.#live.length === 0 || this.#legacy || this.#deltas >= compactAfter
  }

  /**
   * Loads the latest base and the deltas after it. A crash can leave only the last segment
   * incomplete, so a last segment that does not parse is skipped, reported to `onError` and kept
   * aside at the next save; an unreadable earlier segment throws `ENTRENAR_DB_CORRUPT`.
   */
  async load(g: GraphStore, health: HealthIndex): Promise<void> {
    const read = this.#storage
    const segs = parseSegments(await this.#storage.list())
    if (segs.length === 0) return
    this.#seq = segs[segs.length - 1]!.seq
    const last = segs[segs.length - 1]!
    let parsedLast: ParsedSegment | undefined
    try {
      parsedLast = await readSegment(last, read)
    } catch (e) {
      if (!isEntrenarError(e, 'ENTRENAR_DB_CORRUPT') || last.legacy) throw e
      this.#onError(e)
      this.skipped++
      this.#damaged = last.names
      segs.pop()
      parsedLast = undefined
    }
    let b = segs.length - 1
    while (b >= 0 && !segs[b]!.base) b--
    if (b < 0) {
      if (segs.length > 0) throw corrupt(`lineage: delta segments ${segs.map((s) => s.seq).join(', ')} have no base segment before them`, { segments: segs.map((s) => s.seq) })
      return
    }
    this.#obsolete = segs.slice(0, b).flatMap((s) => s.names)
    for (let i = b; i < segs.length; i++) {
      const parsed = i === segs.length - 1 && parsedLast ? parsedLast : await readSegment(segs[i]!, read)
      applySegment(parsed, g, health)
    }
    checkAcyclic(g)
    this.#live = segs.slice(b).flatMap((s) => s.names)
    this.#deltas = segs.length - 1 - b
    this.#legacy = segs[b]!.legacy
  }

  /** Writes one segment; a base replaces (then deletes) every older segment. */
  async save(g: GraphStore, health: HealthIndex, rows: SegmentRows, base: boolean): Promise<void> {
    if (this.#damaged.length > 0) {
      // Once a newer segment exists, the damaged one would no longer be the last: keep it aside first.
      for (const name of this.#damaged) {
        const bytes = await this.#storage.read(name)
        if (bytes) await this.#storage.write({ [`${DAMAGED_PREFIX}${name}`]: bytes })
      }
      await this.#storage.remove(this.#damaged)
      this.#damaged = []
    }
    const seq = this.#seq + 1
    const files = encodeSegment(g, health, rows, seq, base)
    this.#seq = seq
    try {
      await this.#storage.write(files)
    } catch (e) {
      // Some files of this segment may exist: set them aside before the next attempt.
      this.#damaged = Object.keys(files)
      throw e
    }
    if (base) {
      const old = [...this.#obsolete, ...this.#live]
      this.#live = Object.keys(files)
      this.#obsolete = []
      this.#deltas = 0
      this.#legacy = false
      // The new base is durable: a crash from here on leaves older segments that the next load ignores.
      await this.#storage.remove(old).catch(() => {
        this.#obsolete = old
      })
    } else {
      this.#live.push(...Object.keys(files))
      this.#deltas++
      if (this.#obsolete.length > 0) {
        // Left by a compaction interrupted before its clean-up; already ignored by every load.
        const old = this.#obsolete
        await this.#storage.remove(old).then(() => {
          this.#obsolete = this.#obsolete.filter((f) => !old.includes(f))
        }, () => undefined)
      }
    }
  }
}
