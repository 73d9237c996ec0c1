import type { AccuracyDropRule, DivergenceRule, DriftMapping, GradientExplosionRule, InhibitRule, NonFiniteRule, PlateauRule, StallRule, VanishingGradientsRule } from '../types.js'

const LOSSES = ['loss', 'train_loss', 'val_loss']
const GRADS = ['grad_norm', 'gradient_norm']

/**
 * The default rule set. Sources of the numbers:
 * - non-finite: CRITICAL at the same step on losses and gradient norms (Lightning `check_finite=True`);
 * - divergence: 10× the best loss held for 3 evaluations, after 10 finite values (k× best as the issue asks;
 *   `for` 3 keeps one spike from stopping a run);
 * - accuracy drop: more than 5 % below the best so far → WARNING (DESIGN §6);
 * - plateau: no improvement for 1000 steps → INFO (entrenar ENT-066's stall rule, Lightning `min_delta=0`);
 * - stall: no `log()` for 10 min → WARNING (a per-epoch logger is not a hung run; renacer.toml tightens it);
 * - gradient explosion: 10× the EMA (α 0.1) after 20 values → act (learning rate × 0.5), stop 3 evaluations later;
 * - vanishing gradients: norm below 1e-7 for 10 evaluations → WARNING;
 * - drift: detector `warning` → INFO, `drift` → WARNING (a drift alone never stops);
 * - inhibition: a non-finite value suppresses divergence and gradient-explosion alerts for 100 steps (Alertmanager).
 */
export const DEFAULTS = {
  /** Non-finite values on losses and gradient norms. */
  nonFinite: {
    /** Losses and gradient norms. */
    metrics: [...LOSSES, ...GRADS],
    /** CRITICAL: stops. */
    level: 'critical',
    /** At the first non-finite value. */
    consecutive: 1,
  } satisfies NonFiniteRule,
  /** Divergence of the training loss. */
  divergence: {
    /** The training loss. */
    metrics: ['loss', 'train_loss'],
    /** 10× the best value. */
    factor: 10,
    /** Lower is better. */
    mode: 'min',
    /** After 10 finite values. */
    minSamples: 10,
    /** Held for 3 evaluations (one spike does not stop a run). */
    for: 3,
    /** ERROR: stops. */
    level: 'error',
  } satisfies DivergenceRule,
  /** A drop of accuracy. */
  accuracyDrop: {
    /** Training and validation accuracy. */
    metrics: ['accuracy', 'val_accuracy'],
    /** 5 % … */
    maxDrop: 0.05,
    /** … of the best so far. */
    relative: true,
    /** From the first value. */
    minSamples: 1,
    /** WARNING: does not stop. */
    level: 'warning',
  } satisfies AccuracyDropRule,
  /** A loss that stopped improving. */
  plateau: {
    /** The training loss. */
    metrics: ['loss', 'train_loss'],
    /** Any improvement counts. */
    minDelta: 0,
    /** For 1000 steps. */
    patienceSteps: 1000,
    /** Lower is better. */
    mode: 'min',
    /** INFO. */
    level: 'info',
  } satisfies PlateauRule,
  /** A run that stopped logging. */
  stall: {
    /** 10 minutes without a `log()`. */
    timeoutMs: 600_000,
    /** WARNING. */
    level: 'warning',
  } satisfies StallRule,
  /** Exploding gradient norms: act first, stop if it persists. */
  gradientExplosion: {
    /** Gradient norms. */
    metrics: GRADS,
    /** 10× the running mean (EMA, α 0.1). */
    factor: 10,
    /** After 20 values. */
    minSamples: 20,
    /** The learning-rate hook halves the learning rate. */
    lrScale: 0.5,
    /** 3 more firing evaluations escalate. */
    persist: 3,
    /** WARNING at the first firing. */
    level: 'warning',
    /** ERROR (stops) at the escalation. */
    stopLevel: 'error',
  } satisfies GradientExplosionRule,
  /** Vanishing gradient norms. */
  vanishingGradients: {
    /** Gradient norms. */
    metrics: GRADS,
    /** Below 1e-7 … */
    below: 1e-7,
    /** … for 10 evaluations. */
    for: 10,
    /** WARNING. */
    level: 'warning',
  } satisfies VanishingGradientsRule,
  /** Detector events: a drift alone never stops. */
  drift: {
    /** A detector `warning` is INFO. */
    warning: 'info',
    /** A detector `drift` is WARNING. */
    drift: 'warning',
    /** An `invalid` signal is ignored (the non-finite rule handles it). */
    invalid: null,
  } satisfies DriftMapping,
  /** A non-finite value suppresses divergence and gradient-explosion alerts of the run for 100 steps. */
  inhibit: [
    {
      /** The inhibiting rule. */
      source: 'non_finite',
      /** The rules suppressed. */
      targets: ['divergence', 'gradient_explosion'],
      /** On every metric of the run. */
      scope: 'run',
      /** For 100 steps after. */
      windowSteps: 100,
    },
  ] satisfies InhibitRule[],
  /** One incident per rule and metric per minute. */
  throttleMs: 60_000,
  /** A pause ends after 30 minutes. */
  pauseTimeoutMs: 30 * 60_000,
  /** Incidents kept in the history. */
  maxHistory: 10_000,
} as const
