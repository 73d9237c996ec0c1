import { EntrenarError, ErrorCodes } from '@entrenar/core'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 }
const PART = /(\d+)(ms|s|m|h|d|w|y)/y

/**
 * Parses a Prometheus duration (`90s`, `1h30m`, `2d`; units ms s m h d w y, largest first, as
 * Prometheus' `model.ParseDuration`) into milliseconds. Anything else throws `ENTRENAR_INVALID_CONFIG`.
 *
 * @example
 * ```ts
 * parseDuration('1h30m') // 5_400_000
 * ```
 */
export function parseDuration(text: string): number {
  const bad = (why: string): never => {
    throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: duration ${JSON.stringify(text)} ${why}; write e.g. 90s, 1h30m, 2d`)
  }
  if (typeof text !== 'string' || text.length === 0) return bad('is empty')
  let total = 0
  let last = Number.POSITIVE_INFINITY
  PART.lastIndex = 0
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex
    const m = PART.exec(text)
    if (m === null) return bad(`is not a duration at character ${at + 1}`)
    const unit = UNIT_MS[m[2]!]!
    if (unit >= last) return bad('repeats a unit or is not ordered from the largest unit')
    last = unit
    total += Number(m[1]) * unit
  }
  if (!Number.isSafeInteger(total)) return bad('is too long')
  if (total === 0) return bad('is zero')
  return total
}
