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
  nonFinite: { metrics: [...LOSSES, ...GRADS], level: 'critical', consecutive: 1 } satisfies NonFiniteRule,
  divergence: { metrics: ['loss', 'train_loss'], factor: 10, mode: 'min', minSamples: 10, for: 3, level: 'error' } satisfies DivergenceRule,
  accuracyDrop: { metrics: ['accuracy', 'val_accuracy'], maxDrop: 0.05, relative: true, minSamples: 1, level: 'warning' } satisfies AccuracyDropRule,
  plateau: { metrics: ['loss', 'train_loss'], minDelta: 0, patienceSteps: 1000, mode: 'min', level: 'info' } satisfies PlateauRule,
  stall: { timeoutMs: 600_000, level: 'warning' } satisfies StallRule,
  gradientExplosion: { metrics: GRADS, factor: 10, minSamples: 20, lrScale: 0.5, persist: 3, level: 'warning', stopLevel: 'error' } satisfies GradientExplosionRule,
  vanishingGradients: { metrics: GRADS, below: 1e-7, for: 10, level: 'warning' } satisfies VanishingGradientsRule,
  drift: { warning: 'info', drift: 'warning', invalid: null } satisfies DriftMapping,
  inhibit: [{ source: 'non_finite', targets: ['divergence', 'gradient_explosion'], scope: 'run', windowSteps: 100 }] satisfies InhibitRule[],
  throttleMs: 60_000,
  pauseTimeoutMs: 30 * 60_000,
  maxHistory: 10_000,
} as const
