/** A position in a TOML text, 1-based. */
export interface Position {
  readonly line: number
  readonly column: number
}

type Seg = string | number

function splitKey(raw: string): string[] {
  const out: string[] = []
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/y
  re.lastIndex = 0
  while (re.lastIndex < raw.length) {
    const m = re.exec(raw)
    if (m === null) break
    out.push(m[1] ?? m[2] ?? m[3] ?? '')
    if (m[0].length === 0) break
  }
  return out
}

/**
 * Where each table header and key of a TOML text starts, keyed by its path (`assertion.2.max_bytes`):
 * smol-toml gives positions for syntax errors only, so semantic errors (unknown key, bad value) are
 * located by this light scan. Multi-line strings are skipped; keys inside inline tables fall back to
 * the line of their enclosing key.
 */
export class Locator {
  readonly #at = new Map<string, Position>()

  constructor(text: string) {
    const counts = new Map<string, number>()
    let current: Seg[] = []
    let inString: '"""' | "'''" | undefined
    const lines = text.split(/\r?\n/)
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!
      if (inString) {
        if (line.includes(inString)) inString = undefined
        continue
      }
      const col = line.length - line.trimStart().length + 1
      const arr = /^\s*\[\[([^\]]+)\]\]/.exec(line)
      const tbl = arr ? null : /^\s*\[([^\]]+)\]/.exec(line)
      if (arr) {
        const segs = splitKey(arr[1]!.trim())
        const k = segs.join('.')
        const n = counts.get(k) ?? 0
        counts.set(k, n + 1)
        current = [...segs, n]
        this.#set(current, i + 1, col)
        continue
      }
      if (tbl) {
        current = splitKey(tbl[1]!.trim())
        this.#set(current, i + 1, col)
        continue
      }
      const kv = /^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=(.*)$/.exec(line)
      if (kv) {
        this.#set([...current, ...splitKey(kv[1]!)], i + 1, col)
        const rest = kv[2]!
        for (const q of ['"""', "'''"] as const) {
          const first = rest.indexOf(q)
          if (first >= 0 && rest.indexOf(q, first + 3) < 0) inString = q
        }
      }
    }
  }

  #set(path: readonly Seg[], line: number, column: number): void {
    const k = path.join('.')
    if (!this.#at.has(k)) this.#at.set(k, { line, column })
  }

  /** The position of `path`, or of its nearest located ancestor, or 1:1. */
  find(path: readonly Seg[]): Position {
    for (let n = path.length; n > 0; n--) {
      const p = this.#at.get(path.slice(0, n).join('.'))
      if (p) return p
    }
    return { line: 1, column: 1 }
  }
}
