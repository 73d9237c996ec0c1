import { createLineage } from '@entrenar/graph'
import { EntrenarError, ErrorCodes, type LineageExportFormat } from '@entrenar/core'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT, type Io, num, paint, table, toJson, usage, warnOn } from '../io.js'

async function open(dir: string, io: Io) {
  if (!existsSync(join(dir, 'lineage'))) throw new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar: no lineage in ${dir} (expected ${join(dir, 'lineage')})`)
  return createLineage({ dir, onError: warnOn(io) })
}

/** `entrenar lineage <dir> show [model]`: the chain root → model with metrics and changes, or every model. */
export async function lineageShow(dir: string, model: string | undefined, io: Io): Promise<number> {
  const g = await open(dir, io)
  try {
    if (model === undefined) {
      const dot = await g.export('mermaid')
      const stats = g.stats()
      if (io.json) io.out(toJson({ stats, mermaid: dot }))
      else io.out(`${stats.models} models, ${stats.derivations} derivations, ${stats.events} health events\n${dot}\n`)
      return 0
    }
    const node = await g.getModel(model)
    if (!node) throw new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar: unknown model ${JSON.stringify(model)}`)
    const chain = await g.lineage(model)
    const models = await Promise.all(chain.map((id) => g.getModel(id)))
    const events = await g.healthEvents(model)
    if (io.json) {
      io.out(toJson({ model: node, lineage: models, events }))
      return 0
    }
    const metricNames = [...new Set(models.flatMap((m) => Object.keys(m?.metrics ?? {})))].sort()
    io.out(table(['model', 'version', 'run', ...metricNames], models.map((m) => [m!.id, m!.version ?? '', m!.runId ?? '', ...metricNames.map((k) => num(m!.metrics[k]))])))
    for (const e of events) io.out(`${paint(io, e.level === 'error' || e.level === 'critical' ? 'red' : 'yellow', e.level)} ${e.rule}: ${e.message}${e.step === undefined ? '' : ` (step ${e.step})`}\n`)
    return 0
  } finally {
    await g.close()
  }
}

/** `entrenar lineage <dir> regression <model> --metric m [--lower-is-better]`: where the metric got worse. */
export async function lineageRegression(dir: string, model: string, flags: { metric?: string; lowerIsBetter?: boolean }, io: Io): Promise<number> {
  if (!flags.metric) throw usage('lineage regression needs --metric <name>')
  const g = await open(dir, io)
  try {
    const src = await g.regressionSource(model, { metric: flags.metric, higherIsBetter: !flags.lowerIsBetter })
    if (io.json) io.out(toJson({ model, metric: flags.metric, source: src ?? null }))
    else if (!src) io.out(`${model}: no regression of ${flags.metric} in its ancestry\n`)
    else {
      const d = src.derivation
      io.out(
        `${paint(io, 'red', 'regression')} of ${src.metric} at ${src.model}: ${num(src.before)} → ${num(src.after)} (${d.changeType}${d.description ? `: ${d.description}` : ''}) from ${src.parent}\n` +
          `baseline ${src.baseline} = ${num(src.baselineValue)}, ${model} = ${num(src.value)}\n`,
      )
    }
    return src ? EXIT.FAILURE : EXIT.OK
  } finally {
    await g.close()
  }
}

/** `entrenar lineage <dir> export --format dot|mermaid|openlineage`. */
export async function lineageExport(dir: string, flags: { format?: string }, io: Io): Promise<number> {
  const format = (flags.format ?? 'dot') as LineageExportFormat
  if (!['dot', 'mermaid', 'openlineage'].includes(format)) throw usage(`--format ${JSON.stringify(flags.format)} must be dot, mermaid or openlineage`)
  const g = await open(dir, io)
  try {
    const text = await g.export(format)
    io.out(io.json && format !== 'openlineage' ? toJson({ format, text }) : text.endsWith('\n') ? text : `${text}\n`)
    return 0
  } finally {
    await g.close()
  }
}
