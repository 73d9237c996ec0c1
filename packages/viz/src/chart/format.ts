/**
 * A number for a label, at most about `width` characters: NaN and ±Inf spelled out, integers
 * grouped by k/M/G beyond 5 digits, tiny and huge values in exponent form.
 */
export function formatNumber(v: number, digits = 4): string {
  if (v !== v) return 'NaN'
  if (v === Number.POSITIVE_INFINITY) return '+Inf'
  if (v === Number.NEGATIVE_INFINITY) return '-Inf'
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (Number.isInteger(v) && a < 1e5) return String(v)
  if (a >= 1e5 && a < 1e15 && Number.isInteger(v)) {
    const units: readonly [number, string][] = [
      [1e12, 'T'],
      [1e9, 'G'],
      [1e6, 'M'],
      [1e3, 'k'],
    ]
    for (const [u, s] of units) if (a >= u) return `${trim((v / u).toPrecision(3))}${s}`
  }
  if (a >= 1e-3 && a < 1e6) return trim(v.toPrecision(digits))
  return v.toExponential(Math.max(0, digits - 2)).replace('e+', 'e')
}

function trim(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/0+$/, '').replace(/\.$/, '') : s
}

/** Pads or cuts `s` to exactly `n` characters (code points), left-aligned unless `right`. */
export function fit(s: string, n: number, right = false): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters would break the layout
  const chars = Array.from(s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' '))
  if (chars.length > n) return n <= 1 ? chars.slice(0, n).join('') : `${chars.slice(0, n - 1).join('')}…`
  const pad = ' '.repeat(n - chars.length)
  const t = chars.join('')
  return right ? pad + t : t + pad
}
