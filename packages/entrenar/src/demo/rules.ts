import { createAndon } from '@entrenar/andon'
import type { AlertPolicy } from '@entrenar/core'

/**
 * The demo's Andon: Entrenar's default rules, with the divergence rule tuned to this model (a loss 5×
 * its best for 3 steps stops) and no stall timer, writing `<dir>/andon/incidents.jsonl`.
 */
export function demoAndonRules(runId: string, dir: string): { andon: AlertPolicy } {
  return {
    andon: createAndon({
      runId,
      storeDir: dir,
      timers: false,
      handlers: [],
      rules: {
        nonFinite: { metrics: ['loss', 'val_loss', 'gradient_norm'], level: 'critical' },
        divergence: { metrics: ['loss'], factor: 5, minSamples: 20, for: 3, level: 'error' },
        accuracyDrop: { metrics: ['val_accuracy'], maxDrop: 0.05, minSamples: 3, level: 'warning' },
        stall: false,
      },
    }),
  }
}
