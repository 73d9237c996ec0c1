/** Quotes a string as a ClickHouse literal (backslash escapes; every byte kept). */
export function quoteString(s: string): string {
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('\t', '\\t').replaceAll('\0', '\\0')}'`
}

/** Quotes an identifier (database or table name) with back quotes. */
export function quoteIdent(s: string): string {
  return `\`${s.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``
}

const f64 = new Float64Array(1)
const u64 = new BigUint64Array(f64.buffer)

/** The IEEE-754 bits of a double as a decimal UInt64 (NaN, ±Inf and -0 kept exactly). */
export function floatToBits(v: number): string {
  f64[0] = v
  return u64[0]!.toString()
}

/** The double whose IEEE-754 bits are the decimal UInt64 `bits`. */
export function bitsToFloat(bits: string): number {
  u64[0] = BigInt(bits)
  return f64[0]!
}

/** Escapes a value for a TabSeparated field. */
export function tsvEscape(s: string): string {
  return s.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('\0', '\\0')
}

const UNESCAPE: Record<string, string> = { t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f', "'": "'", '\\': '\\', a: '\x07', v: '\v', N: '\\N' }

/** Reverses ClickHouse's TabSeparated escaping of one field. */
export function tsvUnescape(s: string): string {
  if (!s.includes('\\')) return s
  return s.replace(/\\(.)/gs, (_, c: string) => UNESCAPE[c] ?? c)
}

/** Splits a TabSeparated body into rows of raw (still escaped) fields. */
export function tsvRows(text: string): string[][] {
  if (text.length === 0) return []
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n')
  return lines.map((l) => l.split('\t'))
}
