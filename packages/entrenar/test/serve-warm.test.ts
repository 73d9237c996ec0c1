// `entrenar serve` warms its Parquet store up in the background (every segment footer opened before the
// dashboard's first chart asks), and stopping the server stops the warm-up: nothing is read after it
// stopped, and nothing is left to reject.
import { batchFromRows } from '@entrenar/core'
import type { ParquetStore, WarmOptions, WarmReport } from '@entrenar/db'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { runCli } from '../src/index.js'
import { tempDir } from './helpers.js'

interface WarmCall {
  readonly options: WarmOptions | undefined
  readonly report: Promise<WarmReport>
  settled: boolean
}

const calls = vi.hoisted(() => [] as WarmCall[])

// openStore as it is, with each store's warm() recorded (its options and the report it resolves to).
vi.mock('@entrenar/db', async (importOriginal) => {
  const db = await importOriginal<typeof import('@entrenar/db')>()
  return {
    ...db,
    openStore: async (...args: Parameters<typeof db.openStore>) => {
      const store = await db.openStore(...args)
      const warm = store.warm.bind(store)
      ;(store as { warm: ParquetStore['warm'] }).warm = (options) => {
        const call: WarmCall = { options, report: warm(options), settled: false }
        call.report.then(
          () => (call.settled = true),
          () => (call.settled = true),
        )
        calls.push(call)
        return call.report
      }
      return store
    },
  }
})

/** A store of `runs` runs, each one sealed segment of a few rows; returns the number of segment files. */
async function storeOf(dir: string, runs: number): Promise<number> {
  const { openStore } = await import('@entrenar/db')
  const store = await openStore(dir)
  for (let r = 0; r < runs; r++) {
    const runId = `run-${String(r).padStart(3, '0')}`
    await store.write(batchFromRows(runId, [{ metric: 'loss', value: 1 / (r + 1), step: 0, timestampUs: 1, epoch: null, batch: null, tags: null }, { metric: 'loss', value: Number.NaN, step: 1, timestampUs: 2, epoch: null, batch: null, tags: null }]))
  }
  await store.close()
  calls.length = 0
  let files = 0
  for (const d of readdirSync(join(dir, 'metrics'))) files += readdirSync(join(dir, 'metrics', d)).filter((f) => f.endsWith('.parquet')).length
  return files
}

/** `entrenar serve <dir> …` in-process; `onListening` runs as soon as the server listens. */
function serve(args: string[], onListening: (url: string, stop: () => void) => void): Promise<number> {
  const ac = new AbortController()
  return runCli(['serve', ...args, '--port', '0'], { out: () => {}, err: () => {}, env: {}, signal: ac.signal, onListening: (url) => onListening(url, () => ac.abort()) })
}

const rejections: unknown[] = []
const onRejection = (e: unknown) => rejections.push(e)
beforeEach(() => {
  calls.length = 0
  rejections.length = 0
  process.on('unhandledRejection', onRejection)
})
afterEach(() => {
  process.off('unhandledRejection', onRejection)
})

describe('entrenar serve: the store warm-up', () => {
  it('opens every segment footer in the background once the server listens', async () => {
    const dir = tempDir()
    const segments = await storeOf(dir, 12)
    expect(segments).toBe(12)
    let report: WarmReport | undefined
    let health = 0
    const code = await serve([dir], (url, stop) => {
      // The server answers while the warm-up runs; the warm-up then finishes on its own.
      void (async () => {
        try {
          health = (await fetch(`${url}/healthz`)).status
          if (calls.length === 1) report = await calls[0]!.report
        } finally {
          stop()
        }
      })()
    })
    expect(code).toBe(0)
    expect(health).toBe(200)
    expect(calls).toHaveLength(1)
    expect(report).toEqual({ segments: 12, footerBytes: expect.any(Number), complete: true })
    expect(report!.footerBytes).toBeGreaterThan(0)
    expect(calls[0]!.options?.signal?.aborted).toBe(true)
    expect(rejections).toEqual([])
  }, 60_000)

  it('stops the warm-up when the server stops: settled before serve returns, nothing opened after, no rejection', async () => {
    const dir = tempDir()
    const segments = await storeOf(dir, 150)
    const code = await serve([dir], (_url, stop) => stop())
    expect(code).toBe(0)
    expect(calls).toHaveLength(1)
    // The signal aborted with the server, and the warm-up was over by the time `serve` returned.
    expect(calls[0]!.options?.signal?.aborted).toBe(true)
    await Promise.resolve()
    expect(calls[0]!.settled).toBe(true)
    const report = await calls[0]!.report
    expect(report.complete).toBe(false)
    expect(report.segments).toBeLessThan(segments)
    // Nothing runs after: later turns of the event loop see the same report and no rejection.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
    expect(await calls[0]!.report).toEqual(report)
    expect(rejections).toEqual([])
  }, 60_000)

  it('does not warm up without the dashboard (--no-dashboard)', async () => {
    const dir = tempDir()
    await storeOf(dir, 2)
    const code = await serve([dir, '--no-dashboard'], (_url, stop) => stop())
    expect(code).toBe(0)
    expect(calls).toEqual([])
  }, 60_000)
})
