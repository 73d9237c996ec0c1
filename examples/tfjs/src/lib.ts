import { createAndon } from '@entrenar/andon'
import type { MetricStore } from '@entrenar/core'
import { createMonitor, type MonitorSummary } from '@entrenar/monitor'
import * as tf from '@tensorflow/tfjs'
import { entrenarCallback } from './callback.js'
import { iris } from '@entrenar/example-demo'

export { entrenarCallback } from './callback.js'
export { iris } from '@entrenar/example-demo'

/** Options of {@link trainIris}. */
export interface TrainOptions {
  readonly runId?: string
  readonly epochs?: number
  readonly learningRate?: number
  readonly batchSize?: number
  readonly store?: MetricStore
}

/** Trains a 4-16-3 dense network with `model.fit` on Iris under an Entrenar monitor and Andon. */
export async function trainIris(o: TrainOptions = {}): Promise<{ summary: MonitorSummary; epochsRun: number; valAccuracy: number }> {
  const epochs = o.epochs ?? 60
  const batchSize = o.batchSize ?? 16
  const lr = o.learningRate ?? 0.05
  const runId = o.runId ?? `tfjs-iris-${Date.now()}`
  const { x, y } = iris()
  const xs = tf.tensor2d(x)
  const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 3)
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }), tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })],
  })
  model.compile({ optimizer: tf.train.adam(lr), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  // Per-batch loss on 16 Iris rows swings over 10× between batches once the model fits (0.008 → 0.1), so
  // the divergence rule watches the validation loss instead of the default per-batch `loss`.
  const andon = createAndon({
    runId,
    timers: false,
    handlers: [],
    rules: {
      divergence: { metrics: ['val_loss'], factor: 3, minSamples: 5, for: 2, level: 'error' },
      accuracyDrop: { metrics: ['val_accuracy'], maxDrop: 0.1, minSamples: 5, level: 'warning' },
    },
  })
  const monitor = await createMonitor({ runId, name: 'tfjs iris', config: { learning_rate: lr, epochs, batch_size: batchSize, num_classes: 3, framework: 'tfjs' }, andon, ...(o.store ? { store: o.store } : {}) })
  const trainRows = Math.floor(x.length * 0.8)
  const history = await model.fit(xs, ys, { epochs, batchSize, validationSplit: 0.2, shuffle: true, verbose: 0, callbacks: [entrenarCallback(monitor, model, Math.ceil(trainRows / batchSize))] })
  await monitor.close()
  await andon.close()
  xs.dispose()
  ys.dispose()
  model.dispose()
  const val = history.history.val_acc as number[]
  return { summary: monitor.summary(), epochsRun: history.epoch.length, valAccuracy: val.at(-1) ?? Number.NaN }
}
