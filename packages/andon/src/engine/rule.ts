import type { AlertLevel } from '@entrenar/core'
import type { AlertAction, Budget } from '../types.js'

/** Condition codes of {@link testRule}: 0 holds not, 1 fires, 2 escalates (e.g. act → stop). */
export type Stage = 0 | 1 | 2

/** Rule kinds: one switch in {@link testRule} evaluates them all (a monomorphic hot path). */
export const Kind = {
  nonFinite: 0,
  divergence: 1,
  accuracyDrop: 2,
  plateau: 3,
  gradientExplosion: 4,
  vanishing: 5,
  threshold: 6,
  budget: 7,
  stall: 8,
} as const

/** Settings every rule instance carries (resolved from the config with defaults). */
export interface RuleSettings {
  readonly level: AlertLevel
  readonly action: AlertAction | undefined
  readonly forCount: number
  readonly throttleMs: number
  readonly throttleSteps: number
  /** Prometheus `keep_firing_for`: the episode outlives the condition by this many evaluations (default 0). */
  readonly keepFiringFor?: number
}

/** The cold half of a rule: its message (called only when an incident is raised). */
export interface RuleOps {
  describe(r: Rule, value: number, step: number, stage: Stage): string
}

/** How a rule kind fills a {@link Rule}. */
export interface RuleInit {
  readonly kind: number
  readonly name: string
  readonly metric: string | undefined
  readonly ops: RuleOps
  readonly settings: RuleSettings
  readonly p0?: number
  readonly p1?: number
  readonly p2?: number
  readonly p3?: number
  /** Escalation (stage 2) level and action. */
  readonly level2?: AlertLevel
  readonly action2?: AlertAction | undefined
  readonly lrScale?: number
  readonly budget?: Budget
}

/**
 * One rule bound to one metric, with the state of the firing machinery: `pending` counts consecutive
 * evaluations where the condition held (Prometheus `for`), `firedStage` dedups an episode (one
 * incident while the condition keeps holding), `lastFired*` throttle a key (wandb `wait_duration`).
 *
 * Every kind shares this one class and shape (parameters `p0..p3`, statistics `s0..s3`), so the
 * per-value call site stays monomorphic: with a class per kind, V8's inline caches go megamorphic at
 * five kinds and evaluation costs several times more. Plain fields on a private class.
 */
export class Rule {
  readonly kind: number
  readonly name: string
  readonly metric: string | undefined
  readonly ops: RuleOps
  readonly level: AlertLevel
  readonly level2: AlertLevel
  readonly action: AlertAction | undefined
  readonly action2: AlertAction | undefined
  readonly forCount: number
  readonly throttleMs: number
  readonly throttleSteps: number
  readonly keepFiringFor: number
  readonly p0: number
  readonly p1: number
  readonly p2: number
  readonly p3: number
  readonly lrScale: number
  readonly budget: Budget | undefined
  pending = 0
  firedStage = 0
  /** Evaluations since the condition stopped holding while the episode is kept alive (`keep_firing_for`). */
  cooling = 0
  lastHeldStep = Number.NaN
  lastFiredMs = Number.NEGATIVE_INFINITY
  lastFiredStep = Number.NaN
  /** While the episode's incident is muted: when its first muting silence ends (NaN: not muted). */
  mutedUntilMs = Number.NaN
  /** The silences' version when the mute was last checked (a change means: check again). */
  mutedVersion = 0
  s0 = Number.NaN
  s1 = 0
  s2 = 0
  s3 = Number.NaN

  constructor(i: RuleInit) {
    this.kind = i.kind
    this.name = i.name
    this.metric = i.metric
    this.ops = i.ops
    this.level = i.settings.level
    this.level2 = i.level2 ?? i.settings.level
    this.action = i.settings.action
    this.action2 = i.level2 === undefined ? i.settings.action : i.action2
    this.forCount = i.settings.forCount
    this.throttleMs = i.settings.throttleMs
    this.throttleSteps = i.settings.throttleSteps
    this.keepFiringFor = i.settings.keepFiringFor ?? 0
    this.p0 = i.p0 ?? Number.NaN
    this.p1 = i.p1 ?? Number.NaN
    this.p2 = i.p2 ?? Number.NaN
    this.p3 = i.p3 ?? Number.NaN
    this.lrScale = i.lrScale ?? Number.NaN
    this.budget = i.budget
  }

  levelOf(stage: Stage): AlertLevel {
    return stage === 2 ? this.level2 : this.level
  }

  actionOf(stage: Stage): AlertAction | undefined {
    return stage === 2 ? this.action2 : this.action
  }

  describe(value: number, step: number, stage: Stage): string {
    return this.ops.describe(this, value, step, stage)
  }

  /**
   * The condition did not hold: `for` restarts; the episode ends (so a new one may fire) unless
   * `keepFiringFor` evaluations have not passed yet (Prometheus `keep_firing_for`, against flapping).
   */
  release(): void {
    this.pending = 0
    if (this.firedStage !== 0 && this.cooling < this.keepFiringFor) this.cooling++
    else {
      this.firedStage = 0
      this.cooling = 0
      this.mutedUntilMs = Number.NaN
    }
  }

  /** Clears the firing state and the rule's statistics. */
  clear(): void {
    this.pending = 0
    this.firedStage = 0
    this.cooling = 0
    this.lastHeldStep = Number.NaN
    this.lastFiredMs = Number.NEGATIVE_INFINITY
    this.lastFiredStep = Number.NaN
    this.mutedUntilMs = Number.NaN
    this.s0 = Number.NaN
    this.s1 = 0
    this.s2 = 0
    this.s3 = Number.NaN
  }
}

/** EMA smoothing of the gradient norm: α = 0.1, as the EMA of entrenar's ENT-066 TUI Andon. */
const ALPHA = 0.1

/**
 * Updates a rule's statistics with one value and tells whether its condition holds. Allocation-free.
 * A small dispatcher over small per-kind functions: each stays under V8's inlining size limit, so the
 * hot kinds are inlined into `observeValue` instead of paying a call with a boxed double per rule.
 * `x − x === 0` is the finiteness test (0 for every finite x, NaN for NaN and ±Inf): one subtraction.
 */
export function testRule(r: Rule, value: number, step: number): Stage {
  switch (r.kind) {
    case Kind.nonFinite:
      return value - value === 0 ? 0 : 1
    case Kind.divergence:
      return divergence(r, value)
    case Kind.accuracyDrop:
      return accuracyDrop(r, value)
    case Kind.plateau:
      return plateau(r, value, step)
    case Kind.gradientExplosion:
      return gradientExplosion(r, value)
    case Kind.vanishing:
      return value < r.p0 && value > -r.p0 ? 1 : 0
    case Kind.threshold:
      return value > r.p0 || value < r.p1 ? 1 : 0
    case Kind.budget:
      return value > r.p0 ? 1 : 0
    default:
      return value >= r.p0 ? 1 : 0 // stall: idle ms against the timeout
  }
}

/**
 * Min-space x = sign·value (p3 = +1 for `min`, −1 for `max`); p0 threshold (+Inf: none), p1 factor
 * (NaN: none), p2 min samples; s0 best x, s1 finite count.
 */
function divergence(r: Rule, value: number): Stage {
  const x = r.p3 * value
  const hit = x > r.p0 || (r.s1 >= r.p2 && x > r.s0 + (r.p1 - 1) * Math.abs(r.s0))
  if (x - x === 0) {
    if (r.s1 === 0 || x < r.s0) r.s0 = x
    r.s1++
  }
  return hit ? 1 : 0
}

/** p0 fixed baseline (NaN: best so far), p1 max drop, p2 relative (1/0), p3 min samples; s0 best, s1 count. */
function accuracyDrop(r: Rule, value: number): Stage {
  if (value - value !== 0) return 0
  let hit = false
  const fixed = r.p0 === r.p0
  if (fixed || r.s1 >= r.p3) {
    const base = fixed ? r.p0 : r.s0
    hit = value < (r.p2 === 1 ? base - r.p1 * Math.abs(base) : base - r.p1)
  }
  if (r.s1 === 0 || value > r.s0) r.s0 = value
  r.s1++
  return hit ? 1 : 0
}

/** Min-space x = p3·value; p0 min delta, p1 patience steps; s0 best x, s3 step of the best (NaN: none). */
function plateau(r: Rule, value: number, step: number): Stage {
  const x = r.p3 * value
  if (x - x === 0 && (r.s3 !== r.s3 || x < r.s0 - r.p0)) {
    r.s0 = x
    r.s3 = step
    return 0
  }
  return step - r.s3 >= r.p1 ? 1 : 0
}

/**
 * p0 max norm (+Inf: none), p1 factor (NaN: none), p2 min samples, p3 evaluations before the stop
 * (for + persist); s0 EMA, s1 count, s2 consecutive firing evaluations. Exploding values stay out of
 * the EMA so that the reference does not chase the explosion.
 */
function gradientExplosion(r: Rule, value: number): Stage {
  if (value > r.p0 || (r.s1 >= r.p2 && value > r.p1 * r.s0)) {
    r.s2++
    return r.s2 >= r.p3 ? 2 : 1
  }
  r.s2 = 0
  if (value - value === 0) {
    r.s0 = r.s1 === 0 ? value : r.s0 + ALPHA * (value - r.s0)
    r.s1++
  }
  return 0
}

/** Formats a number for messages: NaN and ±Inf spelled out, others with up to 6 significant digits. */
export function fmt(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf'
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)))
}
