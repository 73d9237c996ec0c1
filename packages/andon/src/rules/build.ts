import { ALERT_LEVELS, type AlertLevel, EntrenarError, ErrorCodes } from '@entrenar/core'
import type { Rule, RuleSettings } from '../engine/rule.js'
import type { AlertAction, Budget, DriftMapping, InhibitRule, RuleBase, RuleSet, StallRule as StallRuleConfig } from '../types.js'
import { accuracyDropRule } from './accuracy-drop.js'
import { budgetLimit, budgetRule, stallRule } from './budget.js'
import { DEFAULTS } from './defaults.js'
import { divergenceRule } from './divergence.js'
import { gradientExplosionRule, vanishingGradientsRule } from './gradient.js'
import { nonFiniteRule } from './non-finite.js'
import { plateauRule } from './plateau.js'
import { thresholdRule } from './threshold.js'

/** A rule for each watched metric, made on first sight of the metric. */
export interface RuleTemplate {
  readonly metrics: readonly string[]
  make(metric: string): Rule
}

/** The compiled rule set of an Andon. */
export interface CompiledRules {
  readonly templates: readonly RuleTemplate[]
  readonly stall: Rule | undefined
  readonly budgets: readonly Rule[]
  readonly drift: Required<Omit<DriftMapping, 'metrics' | 'action' | 'throttleMs'>> & { metrics: ReadonlySet<string> | undefined; action: AlertAction | undefined; throttleMs: number } | undefined
  readonly inhibit: readonly Required<InhibitRule>[]
}

const bad = (message: string) => new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/andon: ${message}`)

function list<T>(x: T | readonly T[] | false | undefined, dflt: T): readonly T[] {
  if (x === false) return []
  if (x === undefined) return [dflt]
  return Array.isArray(x) ? (x as readonly T[]) : [x as T]
}

function num(name: string, x: number | undefined, dflt: number, min: number, integer = false): number {
  const v = x ?? dflt
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || (integer && !Number.isInteger(v))) throw bad(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${String(v)}`)
  return v
}

function optNum(name: string, x: number | undefined): number | undefined {
  if (x === undefined) return undefined
  if (typeof x !== 'number' || !Number.isFinite(x)) throw bad(`${name} must be a finite number, got ${String(x)}`)
  return x
}

function level(name: string, x: AlertLevel | undefined, dflt: AlertLevel): AlertLevel {
  const v = x ?? dflt
  if (!ALERT_LEVELS.includes(v)) throw bad(`${name}.level must be one of ${ALERT_LEVELS.join(', ')}, got ${String(v)}`)
  return v
}

function metrics(name: string, x: readonly string[] | undefined, dflt: readonly string[]): readonly string[] {
  const v = x ?? dflt
  if (!Array.isArray(v) || v.length === 0 || v.some((m) => typeof m !== 'string' || m.length === 0)) throw bad(`${name}.metrics must be a non-empty list of metric names`)
  return v
}

function settings(name: string, r: RuleBase, dflt: { level: AlertLevel; for?: number }, throttleMs: number): RuleSettings {
  if (r.action !== undefined && !['warn', 'act', 'pause', 'stop'].includes(r.action)) throw bad(`${name}.action must be warn, act, pause or stop, got ${String(r.action)}`)
  return {
    level: level(name, r.level, dflt.level),
    action: r.action,
    forCount: num(`${name}.for`, r.for, dflt.for ?? 1, 1, true),
    throttleMs: num(`${name}.throttleMs`, r.throttleMs, throttleMs, 0),
    throttleSteps: num(`${name}.throttleSteps`, r.throttleSteps, 0, 0, true),
    keepFiringFor: num(`${name}.keepFiringFor`, r.keepFiringFor, 0, 0, true),
  }
}

/** Validates a rule set (defaults filled in) and compiles it. Throws `ENTRENAR_INVALID_CONFIG`. */
export function compileRules(rules: RuleSet, throttleMs: number, budgets: readonly Budget[]): CompiledRules {
  const t: RuleTemplate[] = []
  for (const r of list(rules.nonFinite, DEFAULTS.nonFinite)) {
    const s = settings('nonFinite', { ...r, for: r.consecutive ?? r.for }, { level: DEFAULTS.nonFinite.level }, throttleMs)
    t.push({ metrics: metrics('nonFinite', r.metrics, DEFAULTS.nonFinite.metrics), make: (m) => nonFiniteRule(m, s) })
  }
  for (const r of list(rules.divergence, DEFAULTS.divergence)) {
    const d = DEFAULTS.divergence
    const hasAny = r.threshold !== undefined || r.factor !== undefined
    const o = {
      threshold: optNum('divergence.threshold', r.threshold),
      factor: hasAny ? optNum('divergence.factor', r.factor) : d.factor,
      mode: r.mode ?? d.mode,
      minSamples: num('divergence.minSamples', r.minSamples, d.minSamples, 0, true),
    }
    if (o.factor !== undefined && o.factor <= 1) throw bad(`divergence.factor must be > 1, got ${o.factor}`)
    if (o.mode !== 'min' && o.mode !== 'max') throw bad(`divergence.mode must be min or max, got ${String(o.mode)}`)
    const s = settings('divergence', r, { level: d.level, for: hasAny ? 1 : d.for }, throttleMs)
    t.push({ metrics: metrics('divergence', r.metrics, d.metrics), make: (m) => divergenceRule(m, s, o) })
  }
  for (const r of list(rules.accuracyDrop, DEFAULTS.accuracyDrop)) {
    const d = DEFAULTS.accuracyDrop
    const o = {
      baseline: optNum('accuracyDrop.baseline', r.baseline),
      maxDrop: num('accuracyDrop.maxDrop', r.maxDrop, d.maxDrop, 0),
      relative: r.relative ?? d.relative,
      minSamples: num('accuracyDrop.minSamples', r.minSamples, d.minSamples, 0, true),
    }
    const s = settings('accuracyDrop', r, { level: d.level }, throttleMs)
    t.push({ metrics: metrics('accuracyDrop', r.metrics, d.metrics), make: (m) => accuracyDropRule(m, s, o) })
  }
  for (const r of list(rules.plateau, DEFAULTS.plateau)) {
    const d = DEFAULTS.plateau
    const o = { minDelta: num('plateau.minDelta', r.minDelta, d.minDelta, 0), patienceSteps: num('plateau.patienceSteps', r.patienceSteps, d.patienceSteps, 1, true), mode: r.mode ?? d.mode }
    if (o.mode !== 'min' && o.mode !== 'max') throw bad(`plateau.mode must be min or max, got ${String(o.mode)}`)
    const s = settings('plateau', r, { level: d.level }, throttleMs)
    t.push({ metrics: metrics('plateau', r.metrics, d.metrics), make: (m) => plateauRule(m, s, o) })
  }
  for (const r of list(rules.gradientExplosion, DEFAULTS.gradientExplosion)) {
    const d = DEFAULTS.gradientExplosion
    const hasAny = r.maxNorm !== undefined || r.factor !== undefined
    const o = {
      maxNorm: optNum('gradientExplosion.maxNorm', r.maxNorm),
      factor: hasAny ? optNum('gradientExplosion.factor', r.factor) : d.factor,
      minSamples: num('gradientExplosion.minSamples', r.minSamples, d.minSamples, 0, true),
      lrScale: num('gradientExplosion.lrScale', r.lrScale, d.lrScale, 0),
      persist: num('gradientExplosion.persist', r.persist, d.persist, 1, true),
      stopLevel: level('gradientExplosion.stopLevel', r.stopLevel, d.stopLevel),
    }
    if (o.lrScale <= 0 || o.lrScale >= 1) throw bad(`gradientExplosion.lrScale must be in (0, 1), got ${o.lrScale}`)
    const s = settings('gradientExplosion', r, { level: d.level }, throttleMs)
    t.push({ metrics: metrics('gradientExplosion', r.metrics, d.metrics), make: (m) => gradientExplosionRule(m, s, o) })
  }
  for (const r of list(rules.vanishingGradients, DEFAULTS.vanishingGradients)) {
    const d = DEFAULTS.vanishingGradients
    const below = num('vanishingGradients.below', r.below, d.below, Number.MIN_VALUE)
    const s = settings('vanishingGradients', r, { level: d.level, for: d.for }, throttleMs)
    t.push({ metrics: metrics('vanishingGradients', r.metrics, d.metrics), make: (m) => vanishingGradientsRule(m, s, below) })
  }
  for (const r of rules.threshold ?? []) {
    const name = r.name ?? 'threshold'
    if (typeof name !== 'string' || !/^[a-z][a-z0-9_]*$/.test(name)) throw bad(`threshold.name must be snake_case, got ${JSON.stringify(name)}`)
    const above = optNum(`${name}.above`, r.above)
    const below = optNum(`${name}.below`, r.below)
    if (above === undefined && below === undefined) throw bad(`${name} needs above or below`)
    if (r.metrics === undefined) throw bad(`${name}.metrics is required`)
    const s = settings(name, r, { level: 'warning' }, throttleMs)
    t.push({ metrics: metrics(name, r.metrics, []), make: (m) => thresholdRule(name, m, s, above, below) })
  }

  const stallCfg: StallRuleConfig | undefined = rules.stall === false ? undefined : (rules.stall ?? DEFAULTS.stall)
  const stall =
    stallCfg === undefined
      ? undefined
             : stallRule(settings('stall', { ...stallCfg, throttleMs: stallCfg.throttleMs ?? 0 }, { level: DEFAULTS.stall.level }, throttleMs), num('stall.timeoutMs', stallCfg.timeoutMs, DEFAULTS.stall.timeoutMs, 1))

  const budgetRules = [...budgets, ...(rules.budgets ?? [])].map((b) => {
    if (!b || typeof b.name !== 'string' || !['step_duration', 'memory', 'steps', 'wall_time'].includes(b.kind)) throw bad(`budget ${JSON.stringify(b?.name)} has an unknown kind ${String(b?.kind)}`)
    num(`budget ${b.name} limit`, budgetLimit(b), 0, 0)
    return budgetRule(b, { level: b.failOnViolation ? 'error' : 'warning', action: undefined, forCount: 1, throttleMs: 0, throttleSteps: 0 })
  })

  const dm = rules.drift === false ? undefined : { ...DEFAULTS.drift, ...(rules.drift ?? {}) }
  const drift =
    dm === undefined
      ? undefined
      : {
          warning: dm.warning === null ? null : level('drift.warning', dm.warning, 'info'),
          drift: dm.drift === null ? null : level('drift.drift', dm.drift, 'warning'),
          invalid: dm.invalid === null || dm.invalid === undefined ? null : level('drift.invalid', dm.invalid, 'info'),
          high: dm.high === null ? null : dm.high === undefined ? (dm.drift === null ? null : level('drift.drift', dm.drift, 'warning')) : level('drift.high', dm.high, 'warning'),
          metrics: dm.metrics ? new Set(dm.metrics) : undefined,
          action: dm.action,
          throttleMs: num('drift.throttleMs', dm.throttleMs, throttleMs, 0),
        }

  const inhibit = (rules.inhibit ?? DEFAULTS.inhibit).map((i) => {
    if (typeof i.source !== 'string' || !Array.isArray(i.targets)) throw bad('inhibit entries need a source and a list of targets')
    return { source: i.source, targets: i.targets, scope: i.scope ?? 'run', windowSteps: num('inhibit.windowSteps', i.windowSteps, 0, 0, true) }
  })

  return { templates: t, stall, budgets: budgetRules, drift, inhibit }
}
