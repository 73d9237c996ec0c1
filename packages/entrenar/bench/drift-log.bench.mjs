// Cost of the drift log on autoMonitor's hot path (run `npm run bench -w entrenar`, after `npx tsup`).
// Same run with `driftLog: true` and `driftLog: false`, alternated, best and median of 7 rounds (the best is
// the least disturbed by other load on the machine); in-memory store,
// no dashboard, lineage or report, so the difference is the recording policy plus the JSON-lines appends.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryStore } from '@entrenar/core'
import { zScoreWindow } from '@entrenar/drift'
import { autoMonitor } from '../dist/index.js'

const STEPS = 100_000
const ROUNDS = 7

/** One run; `every` > 0 makes the loss jump every `every` steps (each jump is a drift event). */
async function run(driftLog, every) {
  const dir = mkdtempSync(join(tmpdir(), 'entrenar-bench-'))
  const m = await autoMonitor({
    dir,
    store: createMemoryStore(),
    runId: 'bench',
    renacer: false,
    dashboard: false,
    lineage: false,
    report: false,
    system: false,
    driftLog,
    detectors: { loss: [zScoreWindow({ window: 50 })] },
    onError: (e) => {
      throw e
    },
  })
  const t0 = performance.now()
  for (let step = 0; step < STEPS; step++) {
    const jump = every > 0 && step % every === every - 1
    m.log({ loss: jump ? 100 : 1 + (step % 7) / 1000, accuracy: 0.5 }, { step })
  }
  await m.flush()
  const ms = performance.now() - t0
  const events = m.summary().driftEvents.length
  await m.close()
  rmSync(dir, { recursive: true, force: true })
  return { ms, events }
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]

for (const [label, every] of [
  ['steady loss (no drift)', 0],
  ['a drift every 500 steps', 500],
]) {
  const on = []
  const off = []
  let events = 0
  await run(true, every) // warm-up
  await run(false, every)
  for (let r = 0; r < ROUNDS; r++) {
    const a = await run(true, every)
    const b = await run(false, every)
    on.push(a.ms)
    off.push(b.ms)
    events = a.events
  }
  const ns = (ms) => ((ms * 1e6) / STEPS).toFixed(0)
  const [bOn, bOff] = [Math.min(...on), Math.min(...off)]
  const [mOn, mOff] = [median(on), median(off)]
  console.log(
    `${label}: ${STEPS} steps × 2 metrics, ${events} drift events — driftLog on/off: best ${ns(bOn)}/${ns(bOff)} ns/step (ratio ${(bOn / bOff).toFixed(3)}), median ${ns(mOn)}/${ns(mOff)} ns/step (ratio ${(mOn / mOff).toFixed(3)})`,
  )
}
