/** Colours of a chart. */
export interface Theme {
  readonly background: string
  readonly foreground: string
  readonly grid: string
  readonly axis: string
  readonly marker: string
  /** Drift change points (a detector's event): a colour no run, level or NaN marker uses. */
  readonly drift: string
  readonly palette: readonly string[]
  readonly levels: Readonly<Record<string, string>>
}

/** Series palette: matplotlib's tab10 without its red, which is kept for NaN/Inf markers and errors. */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f']
const LEVELS = { info: '#1f77b4', warning: '#e6a700', error: '#d62728', critical: '#8b0000' }

export const LIGHT: Theme = { background: '#ffffff', foreground: '#222222', grid: '#e5e5e5', axis: '#444444', marker: '#d62728', drift: '#6a00a8', palette: PALETTE, levels: LEVELS }
/** Dark theme on entrenar's WASM dashboard background `#1a1a2e`. */
export const DARK: Theme = {
  background: '#1a1a2e',
  foreground: '#e8e8e8',
  grid: '#2e2e4a',
  axis: '#a0a0b8',
  marker: '#ff4d4d',
  drift: '#e0a3ff',
  palette: ['#4ecdc4', '#ff6b6b', '#ffd166', '#a29bfe', '#fab1a0', '#81ecec', '#dfe6e9', '#b2bec3'],
  levels: { info: '#74b9ff', warning: '#ffd166', error: '#ff4d4d', critical: '#ff0000' },
}

/** XML-escapes text and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'))
}

/** A coordinate with one decimal: small files, identical output everywhere. */
export function n1(v: number): string {
  // Coordinates are clamped so a degenerate scale can never write NaN or Infinity into the markup.
  const r = Number.isFinite(v) ? Math.round(Math.max(-1e7, Math.min(1e7, v)) * 10) / 10 : 0
  return Object.is(r, -0) ? '0' : String(r)
}
