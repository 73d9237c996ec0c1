import { formatNumber } from '../../chart/format.js'

export { formatNumber }

/** A local date-time, or an em dash when unknown (0). */
export function formatTime(ms: number): string {
  if (!ms) return '—'
  const d = new Date(ms)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** A duration such as `3h 02m`, `4m 05s` or `12.3s`. */
export function formatDuration(ms: number): string {
  if (!(ms >= 0) || !Number.isFinite(ms)) return '—'
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`
  const hh = Math.floor(m / 60)
  return `${hh}h ${String(m % 60).padStart(2, '0')}m`
}

/** Ten colours distinguishable on a dark background (Tableau 10, lightened). */
export const PALETTE: readonly string[] = ['#4e9de0', '#f28e2b', '#59c26b', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac']

/** `#rrggbb` with an alpha, as `rgba()`. */
export function alpha(hex: string, a: number): string {
  const n = Number.parseInt(hex.slice(1), 16)
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`
}
