import { ensureDir, fileMtimeMs, join, processAlive, readWhole, removeFile, replaceFile } from '../node/io.js'
import { fnv1a, leaseName, parseWriterId } from './paths.js'

/**
 * A writer's lease, `<dir>/writers/<writer id>.lease`: JSON `{ writer, host, pid, leaseMs,
 * renewedMs }`, rewritten atomically every `leaseMs` by an unref'd timer and deleted on close.
 * `renewedMs` is the writer's clock: processes of other hosts judge it with theirs (see {@link Liveness}).
 * Leases after Gray & Cheriton, "Leases: an efficient fault-tolerant mechanism for distributed file
 * cache consistency" (SOSP 1989), including their assumption of bounded clock drift between hosts.
 */
export interface Lease {
  /** Rewrites the lease with the current time of the clock. */
  renew(): Promise<void>
  /** Stops the timer, waits for a renewal in flight and deletes the lease file. */
  stop(): Promise<void>
}

/** What a lease file holds. */
export interface LeaseRecord {
  readonly writer: string
  readonly host: string
  readonly pid: number
  readonly leaseMs: number
  readonly renewedMs: number
}

/** Directory of the lease files. */
export const WRITERS_DIR = 'writers'

/** Writes the first lease (a failure fails the open) and starts renewing it every `leaseMs`. */
export async function startLease(root: string, writer: string, o: { host: string; leaseMs: number; now: () => number }): Promise<Lease> {
  const dir = join(root, WRITERS_DIR)
  await ensureDir(dir)
  const path = join(dir, leaseName(writer))
  let stopped = false
  let inFlight: Promise<void> = Promise.resolve()
  const renew = (): Promise<void> => {
    if (stopped) return inFlight
    const record: LeaseRecord = { writer, host: o.host, pid: process.pid, leaseMs: o.leaseMs, renewedMs: o.now() }
    inFlight = inFlight.then(() => (stopped ? undefined : replaceFile(path, JSON.stringify(record))))
    return inFlight
  }
  await renew()
  // A failed renewal is retried at the next tick; only a lease older than the readers' staleness counts.
  const timer = setInterval(() => void renew().catch(() => undefined), o.leaseMs)
  timer.unref()
  return {
    renew,
    async stop() {
      clearInterval(timer)
      stopped = true
      await inFlight.catch(() => undefined)
      await removeFile(path)
    },
  }
}

/** Parses a lease file's bytes; undefined when absent or not a lease. */
export function parseLease(bytes: Uint8Array | undefined): LeaseRecord | undefined {
  if (!bytes) return undefined
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes)) as Partial<LeaseRecord>
    if (typeof r.writer !== 'string' || typeof r.renewedMs !== 'number' || !Number.isFinite(r.renewedMs)) return undefined
    const leaseMs = typeof r.leaseMs === 'number' && r.leaseMs > 0 ? r.leaseMs : 0
    return { writer: r.writer, host: String(r.host ?? ''), pid: Number(r.pid ?? 0), leaseMs, renewedMs: r.renewedMs }
  } catch {
    return undefined
  }
}

/**
 * Decides whether a writer is gone, so its files (WALs, claims, locks) may be taken over.
 *
 * - A writer of this host is gone when its pid no longer exists (`kill(pid, 0)`).
 * - A writer of another host is gone when its lease was last renewed more than
 *   `max(staleWriterMs, 3 × its leaseMs)` ago by this process's clock (two missed renewals are
 *   tolerated). This assumes the hosts' clocks agree to well within `staleWriterMs − leaseMs` (NTP).
 * - Without a lease (a writer of an older version, or one that closed with files left), the file's
 *   own modification time stands in for the lease: gone when older than `staleWriterMs`.
 * - A writer id of another shape (an empty lock file left by a crash) is judged by that mtime too.
 */
export class Liveness {
  readonly #root: string
  readonly #hostTag: string
  readonly #now: () => number
  readonly #staleMs: number

  constructor(root: string, o: { host: string; now: () => number; staleWriterMs: number }) {
    this.#root = root
    this.#hostTag = fnv1a(o.host)
    this.#now = o.now
    this.#staleMs = o.staleWriterMs
  }

  /** True when `writer` runs on another host than this process. */
  foreign(writer: string): boolean {
    const w = parseWriterId(writer)
    return w !== undefined && w.hostTag !== this.#hostTag
  }

  /** True when `writer` is gone; `file` is the file at stake (its mtime stands in for a missing lease). */
  async gone(writer: string, file: string): Promise<boolean> {
    const w = parseWriterId(writer)
    if (w && w.hostTag === this.#hostTag) return !processAlive(w.pid)
    const lease = w ? parseLease(await readWhole(join(this.#root, WRITERS_DIR, leaseName(writer)))) : undefined
    if (lease) return this.#now() - lease.renewedMs > Math.max(this.#staleMs, 3 * lease.leaseMs)
    const mtime = await fileMtimeMs(file)
    return mtime !== undefined && this.#now() - mtime > this.#staleMs
  }
}
