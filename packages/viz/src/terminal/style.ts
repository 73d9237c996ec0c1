/** How a frame is drawn: braille or ASCII glyphs, ANSI colours or none. */
export interface Style {
  /** ASCII glyphs only (plain SSH terminals, fonts without braille). */
  readonly ascii: boolean
  /** ANSI SGR colours (off for NO_COLOR and for non-TTY output). */
  readonly color: boolean
}

/** SGR codes of the series palette: train cyan, validation yellow, then magenta, green, blue, white. */
export const SERIES_SGR: readonly string[] = ['36', '33', '35', '32', '34', '37']
/** Markers for NaN/±Inf are red. */
export const MARKER_SGR = '31'
export const LEVEL_SGR: Readonly<Record<string, string>> = { info: '34', warning: '33', error: '31', critical: '1;31' }

/** Wraps `s` in an SGR colour when colours are on. */
export function paint(style: Style, sgr: string | undefined, s: string): string {
  return style.color && sgr && s.length > 0 ? `\u001b[${sgr}m${s}\u001b[0m` : s
}

/** ASCII glyph of series `i` (ASCII mode draws each series with its own character). */
export function seriesGlyph(i: number): string {
  return '*o+#x%'[i % 6]!
}

/**
 * Whether colours are allowed: never when `NO_COLOR` is set to a non-empty value (no-color.org),
 * and only on a TTY unless `FORCE_COLOR` is set to a non-zero value.
 */
export function colorAllowed(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false
  const force = env['FORCE_COLOR']
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true
  return isTTY && env['TERM'] !== 'dumb'
}
