import type { Incident } from '@entrenar/core'
import { fit, formatNumber } from '../chart/format.js'
import { LEVEL_SGR, paint, type Style } from './style.js'

/** Letter of each level on the timeline lane and on panel axes. */
export const LEVEL_LETTER: Readonly<Record<string, string>> = { info: 'I', warning: 'W', error: 'E', critical: 'C' }

/** True for incidents raised by a change detector (rule names like `drift`, `drift:adwin`). */
export function isDrift(i: Incident): boolean {
  return i.rule.includes('drift')
}

/**
 * The alert and drift timeline: a lane over the step range where each incident is a letter at its
 * step (I/W/E/C by level, D for drift; the highest level wins a shared cell), then the newest
 * `rows` incidents, newest last. Every line is `width` wide.
 */
export function renderTimeline(incidents: readonly Incident[], x0: number, x1: number, width: number, rows: number, style: Style, dropped = 0): string[] {
  const label = 'alerts '
  const laneW = Math.max(1, width - label.length)
  const lane: (Incident | undefined)[] = new Array(laneW)
  const rank = (i: Incident) => ['info', 'warning', 'error', 'critical'].indexOf(i.level)
  for (const inc of incidents) {
    if (typeof inc.step !== 'number' || inc.step !== inc.step) continue
    const c = x1 > x0 ? Math.min(laneW - 1, Math.max(0, Math.floor(((inc.step - x0) / (x1 - x0)) * laneW))) : 0
    const cur = lane[c]
    if (!cur || rank(inc) >= rank(cur)) lane[c] = inc
  }
  let laneText = ''
  for (const inc of lane) {
    if (!inc) laneText += style.ascii ? '.' : '·'
    else laneText += paint(style, LEVEL_SGR[inc.level], isDrift(inc) ? 'D' : (LEVEL_LETTER[inc.level] ?? '?'))
  }
  const lines = [paint(style, '1', label) + laneText]
  const shown = incidents.slice(-rows)
  const total = incidents.length + dropped
  if (total === 0) lines.push(fit('  no alerts', width))
  else if (total > shown.length) lines.push(fit(`  … ${total - shown.length} earlier`, width))
  for (const inc of shown) {
    const step = typeof inc.step === 'number' ? `step ${formatNumber(inc.step)}` : 'step -'
    const level = inc.level.toUpperCase()
    const value = inc.metric !== undefined ? ` ${inc.metric}${inc.value !== undefined ? `=${formatNumber(inc.value)}` : ''}` : ''
    const body = `${fit(step, 12)} ${fit(level, 8)} ${inc.rule}${value} → ${inc.decision}: ${inc.message}`
    const text = fit(`  ${body}`, width)
    // Colour the level word only, after fitting, so the width stays exact.
    const at = text.indexOf(level)
    lines.push(at >= 0 ? text.slice(0, at) + paint(style, LEVEL_SGR[inc.level], level) + text.slice(at + level.length) : text)
  }
  return lines
}
