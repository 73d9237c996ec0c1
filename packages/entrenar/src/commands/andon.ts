import { backtest, loadRenacerConfig, openSilences, parseMatcher } from '@entrenar/andon'
import { EntrenarError, ErrorCodes, type SilenceSpec } from '@entrenar/core'
import { existsSync } from 'node:fs'
import { EXIT, type Io, paint, progress, table, toJson } from '../io.js'
import { withStoreAt } from '../node/store.js'

/** A budget's limit in words, whatever its kind (future kinds print their fields). */
function limitOf(b: object): string {
  const o = b as Record<string, unknown>
  if (typeof o.maxMs === 'number') return `${o.maxMs} ms`
  if (typeof o.maxBytes === 'number') return `${o.maxBytes} B (${String(o.trackingMode ?? 'rss')})`
  if (typeof o.maxSteps === 'number') return `${o.maxSteps} steps`
  return JSON.stringify(b)
}

/** `entrenar andon check [renacer.toml]`: parses the file, lists budgets, rules and warnings. Exit 4 when invalid. */
export async function andonCheck(path: string | undefined, io: Io): Promise<number> {
  const file = path ?? 'renacer.toml'
  if (!existsSync(file)) throw new EntrenarError(ErrorCodes.NOT_FOUND, `entrenar: ${file} does not exist`)
  const cfg = loadRenacerConfig(file)
  const rules = Object.entries(cfg.andon.rules ?? {}).filter(([, v]) => v !== false && v !== undefined)
  if (io.json) {
    io.out(toJson({ source: cfg.source, valid: true, budgets: cfg.budgets, rules: Object.fromEntries(rules), settings: { ...cfg.andon, rules: undefined }, warnings: cfg.warnings }))
    return cfg.warnings.length ? EXIT.FAILURE : EXIT.OK
  }
  io.out(`${paint(io, 'green', 'valid')} ${cfg.source}: ${cfg.budgets.length} budgets, ${rules.length} rule tables\n`)
  if (cfg.budgets.length) io.out(table(['budget', 'kind', 'limit', 'on violation'], cfg.budgets.map((b) => [b.name, b.kind, limitOf(b), b.failOnViolation ? 'stop' : 'warn'])))
  for (const [name, rule] of rules) io.out(`  ${name}: ${JSON.stringify(rule)}\n`)
  for (const w of cfg.warnings) io.err(`${paint(io, 'yellow', 'warning')} ${cfg.source}:${w.line}:${w.column} ${w.message}\n`)
  return cfg.warnings.length ? EXIT.FAILURE : EXIT.OK
}

/** `entrenar andon backtest <dir> [--config renacer.toml] [--run id]…`: how often each rule would have fired on the stored runs. */
export async function andonBacktest(dir: string, flags: { config?: string; run?: readonly string[]; silence?: readonly string[]; muteCritical?: boolean; store?: string }, io: Io): Promise<number> {
  const configPath = flags.config ?? (existsSync('renacer.toml') ? 'renacer.toml' : undefined)
  const renacer = configPath ? loadRenacerConfig(configPath) : undefined
  // The store's silences replay on the stored clock (they mute what fell inside their window), and `--silence`
  // matchers form one what-if silence over whole runs. A muted firing counts as silenced and never makes the stop.
  const silenceFile = openSilences(dir)
  const stored: SilenceSpec[] = [...(await silenceFile.list().finally(() => silenceFile.close()))]
  const whatIf = flags.silence?.length ? [{ id: 'what-if', matchers: flags.silence.map((m, i) => parseMatcher(m, `--silence ${i + 1}`)), durationMs: Number.MAX_SAFE_INTEGER / 4, createdBy: 'entrenar andon backtest', comment: 'what-if silence from --silence', muteCritical: flags.muteCritical === true }] : []
  const silences = [...stored, ...whatIf]
  const report = await withStoreAt(dir, flags.store === undefined ? {} : { store: flags.store }, async (store) => {
    const ids = flags.run?.length ? flags.run : (await store.runs()).map((r) => r.id)
    const bar = progress(io, 'backtest', ids.length)
    const runs = []
    const byRule: Record<string, { firings: number; runs: number; stops: number; silenced: number; firstStep: number | undefined }> = {}
    for (const id of ids) {
      const r = await backtest(renacer ? { renacer: { andon: renacer.andon, budgets: renacer.budgets } } : {}, store, { runs: [id], silences })
      runs.push(...r.runs)
      for (const [rule, s] of Object.entries(r.byRule)) {
        const t = byRule[rule] ?? { firings: 0, runs: 0, stops: 0, silenced: 0, firstStep: undefined }
        t.firings += s.firings
        t.runs += s.runs
        t.stops += s.stops
        t.silenced += s.silenced
        if (s.firstStep !== undefined && (t.firstStep === undefined || s.firstStep < t.firstStep)) t.firstStep = s.firstStep
        byRule[rule] = t
      }
      bar.tick()
    }
    bar.done()
    return { runs, byRule }
  })
  if (io.json) io.out(toJson({ config: configPath ?? null, silences: silences.length, ...report }))
  else {
    io.out(`backtest of ${report.runs.length} runs${configPath ? ` with ${configPath}` : ' with the default rules'}${silences.length ? `, ${silences.length} silences` : ''}\n`)
    const rules = Object.entries(report.byRule)
    if (rules.length === 0) io.out('no rule would have fired\n')
    else io.out(table(['rule', 'firings', 'silenced', 'runs', 'stops', 'first step'], rules.map(([r, s]) => [r, String(s.firings), String(s.silenced), String(s.runs), String(s.stops), s.firstStep === undefined ? '-' : String(s.firstStep)])))
    for (const r of report.runs) if (r.stop) io.out(`${paint(io, 'red', 'stop')} ${r.runId} at step ${r.stop.step ?? '-'}: ${r.stop.rule}: ${r.stop.message}\n`)
  }
  return EXIT.OK
}
