/**
 * Strict options: every public factory of Entrenar rejects keys it does not know, so a misspelt or
 * guessed option (`stor`, `config`) fails at construction instead of being silently ignored.
 */
import { EntrenarError, ErrorCodes } from './errors.js'

/**
 * The option names of an options type, checked by the compiler against it: every key of `T` must be
 * listed and nothing else, so the list cannot drift from the interface.
 *
 * @example
 * ```ts
 * const KEYS = optionKeys<MonitorOptions>({ runId: true, store: true, … })
 * ```
 */
export function optionKeys<T>(keys: { readonly [K in keyof Required<T>]: true }): readonly string[] {
  return Object.freeze(Object.keys(keys))
}

/**
 * Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions), case-insensitive:
 * `stor`→`store` is 1, `renacre`→`renacer` is 1.
 */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase()
  b = b.toLowerCase()
  const m = a.length
  const n = b.length
  if (m === 0) return n
  if (n === 0) return m
  let prev2 = new Array<number>(n + 1).fill(0)
  let prev = Array.from({ length: n + 1 }, (_, j) => j)
  let cur = new Array<number>(n + 1).fill(0)
  for (let i = 1; i <= m; i++) {
    cur[0] = i
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1)
      cur[j] = d
    }
    ;[prev2, prev, cur] = [prev, cur, prev2]
  }
  return prev[n]!
}

/**
 * The known name closest to `word`: an alias given for it (a name users guess, such as `config` for
 * `renacer`), else the nearest by edit distance when at most a third of the word differs (at least 1,
 * at most 3 edits), else a known name that contains the word or is contained in it (`alertPolicy` → `policy`).
 */
export function closestName(word: string, known: readonly string[], aliases: Readonly<Record<string, string>> = {}): string | undefined {
  if (Object.hasOwn(aliases, word) && known.includes(aliases[word]!)) return aliases[word]
  let best: string | undefined
  let bestD = Number.POSITIVE_INFINITY
  for (const k of known) {
    const d = editDistance(word, k)
    if (d < bestD) {
      bestD = d
      best = k
    }
  }
  if (best !== undefined && bestD <= Math.min(3, Math.max(1, Math.floor(word.length / 3)))) return best
  const w = word.toLowerCase()
  return known.find((k) => k.length >= 3 && (w.includes(k.toLowerCase()) || k.toLowerCase().includes(w)))
}

/** The message part for an unknown name: `` unknown option `stor` (did you mean `store`?) ``. */
export function unknownNameMessage(kind: string, word: string, known: readonly string[], aliases?: Readonly<Record<string, string>>): string {
  const s = closestName(word, known, aliases)
  return `unknown ${kind} \`${word}\`${s ? ` (did you mean \`${s}\`?)` : ''}; known: ${known.length ? known.join(', ') : 'none'}`
}

/**
 * Throws `ENTRENAR_INVALID_CONFIG` when `options` is not an object (`undefined` is fine: all defaults)
 * or has a key outside `known`, naming the key and the nearest known one. `where` starts the message
 * (`entrenar/monitor: createMonitor`). `details` carry `key`, `suggestion` and `known`.
 *
 * @example
 * ```ts
 * checkOptions('entrenar/monitor: createMonitor', { stor: s }, ['store', 'runId'])
 * // EntrenarError ENTRENAR_INVALID_CONFIG: entrenar/monitor: createMonitor: unknown option `stor` (did you mean `store`?); known: store, runId
 * ```
 */
export function checkOptions(where: string, options: unknown, known: readonly string[], aliases?: Readonly<Record<string, string>>): void {
  if (options === undefined) return
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${where}: options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`)
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `${where}: ${unknownNameMessage('option', key, known, aliases)}`, {
      details: { key, suggestion: closestName(key, known, aliases) ?? null, known: [...known] },
    })
  }
}
