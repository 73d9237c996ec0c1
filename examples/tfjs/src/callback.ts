import type { Monitor } from '@entrenar/monitor'
import * as tf from '@tensorflow/tfjs'

/**
 * A tfjs callback that logs every batch's `loss`/`acc` and every epoch's `val_loss`/`val_acc` to an
 * Entrenar monitor, and stops `model.fit` as soon as the monitor's signal aborts (the Andon stopped
 * the line): Keras' `TerminateOnNaN`, but driven by any Andon rule.
 */
export function entrenarCallback(monitor: Monitor, model: tf.LayersModel, batchesPerEpoch: number): tf.CustomCallback {
  let epoch = 0
  let step = -1
  return new tf.CustomCallback({
    onEpochBegin: async (e) => {
      epoch = e
    },
    onBatchEnd: async (batch, logs) => {
      step = epoch * batchesPerEpoch + batch
      monitor.log({ loss: logs?.loss ?? Number.NaN, accuracy: logs?.acc ?? Number.NaN }, { step, epoch, batch })
      if (monitor.signal.aborted) model.stopTraining = true
      await monitor.gate()
    },
    onEpochEnd: async (e, logs) => {
      if (logs?.val_loss !== undefined) monitor.log({ val_loss: logs.val_loss, val_accuracy: logs.val_acc ?? Number.NaN }, { step, epoch: e })
      if (monitor.signal.aborted) model.stopTraining = true
    },
  })
}
