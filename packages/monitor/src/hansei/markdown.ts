import { fmt } from './analyze.js'
import type { HanseiReport } from './types.js'

const ICON = { critical: '🛑', error: '❌', warning: '⚠️', info: 'ℹ️' } as const

/** Escapes text for a Markdown table cell or paragraph. */
function md(s: string): string {
  return s.replace(/[\\`*_[\]|<>]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ')
}

/**
 * Escapes a recommendation, keeping its `code` spans (our own texts name commands that way) as code spans.
 * A span's text is shown verbatim by Markdown (no HTML, no emphasis), so a rule name inside one is safe; an
 * unpaired backtick is escaped like any other character.
 */
function mdWithCode(s: string): string {
  const parts = s.split('`')
  const paired = parts.length % 2 === 1 ? parts.length : parts.length - 1
  let out = ''
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? ''
    if (i % 2 === 1 && i < paired) out += p.length ? `\`${p.replace(/\r?\n/g, ' ')}\`` : '\\`\\`'
    else out += (i >= paired && i > 0 ? '\\`' : '') + md(p)
  }
  return out
}

/** The report as GitHub-flavoured Markdown (findings, metric table, gradients, timeline, recommendations). */
export function renderHanseiMarkdown(r: HanseiReport): string {
  const L: string[] = []
  L.push(`# Hansei report: ${md(r.runId)}`, '')
  const run = r.run
  L.push(`**Verdict: ${r.verdict}** · ${r.points} points${r.steps ? ` · steps ${r.steps.first}–${r.steps.last}` : ''}${r.durationMs === undefined ? '' : ` · ${(r.durationMs / 1000).toFixed(2)} s`}${run ? ` · status ${run.status}` : ''}${run?.name ? ` · ${md(run.name)}` : ''}`)
  if (run?.reason) L.push('', `Reason: ${md(run.reason)}`)
  L.push('', '## Findings', '')
  if (r.findings.length === 0) L.push('No problems found.')
  for (const f of r.findings) L.push(`- ${ICON[f.severity]} **${f.severity}** \`${f.code}\`${f.step === undefined ? '' : ` (step ${f.step})`}: ${md(f.message)}`)
  if (r.recommendations.length) {
    L.push('', '## Recommendations', '')
    r.recommendations.forEach((x, i) => {
      L.push(`${i + 1}. ${mdWithCode(x)}`)
    })
  }
  L.push('', '## Metrics', '', '| metric | trend | first | last | best | min | max | slope/step | MK p | NaN | ±Inf | plateau |', '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|')
  for (const a of r.metrics) {
    L.push(
      `| ${md(a.metric)} | ${a.trend} | ${a.first ? fmt(a.first.value) : '-'} | ${a.last ? fmt(a.last.value) : '-'} | ${a.best ? `${fmt(a.best.value)} @${a.best.step}` : '-'} | ${fmt(a.min)} | ${fmt(a.max)} | ${fmt(a.slope)} | ${fmt(a.mannKendall.pValue)} | ${a.nanCount} | ${a.posInfCount + a.negInfCount} | ${a.plateau ? `since ${a.plateau.fromStep}` : ''} |`,
    )
  }
  if (r.nonFinite) {
    L.push('', '## First non-finite value', '', `${md(r.nonFinite.metric)} went first, at step ${r.nonFinite.step} (${r.nonFinite.value}). Order: ${r.nonFinite.order.map((o) => `${md(o.metric)} @${o.step}`).join(' → ')}.`)
  }
  if (r.gradients.length) {
    L.push('', '## Gradients', '')
    for (const g of r.gradients) {
      const parts = [g.explosion ? `explosion at step ${g.explosion.step} (${fmt(g.explosion.value)}, ${fmt(g.explosion.ratio)}× the running mean)` : '', g.vanishing ? `vanishing from step ${g.vanishing.fromStep} to ${g.vanishing.toStep}` : ''].filter(Boolean)
      L.push(`- ${md(g.metric)}: ${parts.length ? parts.join('; ') : 'healthy'}`)
    }
  }
  if (r.chance.length) {
    L.push('', '## Chance level', '')
    for (const c of r.chance) L.push(`- ${md(c.metric)}: final ${fmt(c.final)} vs chance ${fmt(c.chance)} (${c.classes} classes)${c.atChance ? ' — **at chance**' : ''}`)
  }
  if (r.timeline.length) {
    L.push('', '## Timeline', '', '| step | level | kind | source | message |', '|---:|---|---|---|---|')
    for (const t of r.timeline.slice(0, 200)) L.push(`| ${t.step ?? '-'} | ${t.level} | ${t.kind} | ${md(t.source)} | ${md(t.message)} |`)
    if (r.timeline.length > 200) L.push('', `… ${r.timeline.length - 200} more entries in the JSON report.`)
  }
  if (r.lastGoodCheckpoint) {
    L.push('', '## Last good checkpoint', '', `Step ${r.lastGoodCheckpoint.step}${r.lastGoodCheckpoint.label ? ` (${md(r.lastGoodCheckpoint.label)})` : ''}${r.lastGoodCheckpoint.problemStep === undefined ? '' : `, before the first problem at step ${r.lastGoodCheckpoint.problemStep}`}.`)
  }
  if (run?.config && Object.keys(run.config).length) {
    L.push('', '## Configuration', '', '```json', JSON.stringify(run.config, null, 2), '```')
  }
  return `${L.join('\n')}\n`
}

/**
 * The report as JSON text: NaN and ±Inf become the strings `"NaN"`, `"Infinity"`, `"-Infinity"` (the
 * wire convention of `@entrenar/core`), so nothing turns into `null`.
 */
export function renderHanseiJson(r: HanseiReport, space = 2): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), space)
}
