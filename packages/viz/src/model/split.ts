import type { Tags } from '@entrenar/core'

/** Which side of the train/validation pair a series is on, and the metric it belongs to. */
export interface SplitOf {
  /** The metric without its split prefix: `val_loss` → `loss`. */
  readonly base: string
  /** `train`, `val`, `test`, or the value of a `split`/`subset` tag. */
  readonly split: string
}

const PREFIXES: readonly (readonly [string, string])[] = [
  ['validation_', 'val'],
  ['validation/', 'val'],
  ['valid_', 'val'],
  ['val_', 'val'],
  ['val/', 'val'],
  ['eval_', 'val'],
  ['eval/', 'val'],
  ['test_', 'test'],
  ['test/', 'test'],
  ['train_', 'train'],
  ['train/', 'train'],
]

/**
 * Splits a metric into base name and split, the conventions trackers use: a `split` tag (or Aim's
 * `subset` context), else a Keras/Lightning-style prefix (`val_loss`, `val/loss`, `eval_loss`,
 * `train/loss`); anything else is `train`.
 */
export function splitOf(metric: string, tags: Tags | null | undefined): SplitOf {
  const tagged = tags?.['split'] ?? tags?.['subset']
  for (const [p, split] of PREFIXES) {
    if (metric.length > p.length && metric.startsWith(p)) return { base: metric.slice(p.length), split: tagged ?? split }
  }
  return { base: metric, split: tagged ?? 'train' }
}
