import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryStore, type EntrenarError } from '@entrenar/core'
import { createMonitor } from '@entrenar/monitor'
import { parseNvidiaSmi, systemMetrics } from '@entrenar/monitor/system'
import { afterEach, describe, expect, it } from 'vitest'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Waits until `cond` holds. Timer-driven readings (and spawning the fake nvidia-smi) can take far longer
 * than their interval on a loaded machine, so tests wait for the event instead of a fixed time; the
 * deadline only turns a hang into a failure with a name.
 */
async function until(cond: () => boolean, what: string): Promise<void> {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > 20_000) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}
const originalPath = process.env.PATH

afterEach(() => {
  process.env.PATH = originalPath
})

function fakeNvidiaSmi(output: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'entrenar-smi-'))
  const file = join(dir, 'nvidia-smi')
  writeFileSync(file, `#!/bin/sh\ncat <<'CSV'\n${output}\nCSV\n`)
  chmodSync(file, 0o755)
  return dir
}

describe('system metrics sampler', () => {
  it('reports plausible process and host readings; RSS grows when a large buffer is allocated', async () => {
    const s = systemMetrics({ gpu: false })
    const before = await s.readNow()
    for (const k of ['sys/rss_bytes', 'sys/heap_used_bytes', 'sys/heap_total_bytes', 'sys/total_memory_bytes', 'sys/free_memory_bytes']) {
      expect(before[k], k).toBeGreaterThan(0)
    }
    expect(before['sys/heap_used_bytes']!).toBeLessThanOrEqual(before['sys/heap_total_bytes']!)
    expect(before['sys/free_memory_bytes']!).toBeLessThanOrEqual(before['sys/total_memory_bytes']!)
    const big = Buffer.alloc(256 * 1024 * 1024, 1) // touched pages count in RSS
    const after = await s.readNow()
    expect(after['sys/rss_bytes']! - before['sys/rss_bytes']!).toBeGreaterThan(128 * 1024 * 1024)
    expect(after['sys/array_buffers_bytes']!).toBeGreaterThan(200 * 1024 * 1024)
    expect(big.length).toBe(256 * 1024 * 1024)
    expect(Object.keys(after).some((k) => k.includes('gpu'))).toBe(false)
    s.stop()
  })

  it('event-loop lag rises while the loop is blocked for 200 ms, and CPU % is the process CPU time over the window', async () => {
    const s = systemMetrics({ gpu: false })
    await s.readNow()
    await sleep(30)
    // The sampler reads the CPU clock synchronously when readNow() is called: bracket its window.
    const w0 = performance.now()
    const c0 = process.cpuUsage()
    const idle = await s.readNow()
    const t0 = Date.now()
    while (Date.now() - t0 < 200) {
      // block the event loop
    }
    await sleep(30)
    const c1 = process.cpuUsage(c0)
    const w1 = performance.now()
    const blocked = await s.readNow()
    expect(blocked['sys/event_loop_lag_p99_ms']!).toBeGreaterThan(100)
    expect(blocked['sys/event_loop_lag_p99_ms']!).toBeGreaterThan(idle['sys/event_loop_lag_p99_ms']!)
    // Not compared with a fixed share or with the idle window: on a loaded machine the busy loop may get a
    // small share of a core. What must hold is that the reading is the process's CPU time over wall time.
    const cpu = (r: Record<string, number>) => r['sys/cpu_user_percent']! + r['sys/cpu_system_percent']!
    const expected = (100 * (c1.user + c1.system)) / ((w1 - w0) * 1000)
    expect(cpu(blocked)).toBeGreaterThan(0)
    expect(Math.abs(cpu(blocked) - expected)).toBeLessThan(10)
    s.stop()
  })

  it('parses nvidia-smi CSV from a fake nvidia-smi on the PATH', async () => {
    process.env.PATH = `${fakeNvidiaSmi('0, 87, 10240, 40960, 71, 245.31\n1, [N/A], 512, 40960, 40, [Not Supported]')}:${originalPath}`
    const s = systemMetrics()
    const v = await s.readNow()
    expect(v['sys/gpu0/utilization_percent']).toBe(87)
    expect(v['sys/gpu0/memory_used_bytes']).toBe(10240 * 1024 * 1024)
    expect(v['sys/gpu0/memory_total_bytes']).toBe(40960 * 1024 * 1024)
    expect(v['sys/gpu0/temperature_c']).toBe(71)
    expect(v['sys/gpu0/power_w']).toBeCloseTo(245.31)
    expect(v['sys/gpu1/utilization_percent']).toBeUndefined()
    expect(v['sys/gpu1/memory_used_bytes']).toBe(512 * 1024 * 1024)
    s.stop()
  })

  it('reports malformed nvidia-smi output through onError and keeps the other readings', async () => {
    process.env.PATH = `${fakeNvidiaSmi('0, 50, 100, 200, 60, 100\ngarbage line\n1, x, 1, 2, 3, 4')}:${originalPath}`
    const errors: EntrenarError[] = []
    const s = systemMetrics({ intervalMs: 20 })
    const points: Record<string, number>[] = []
    s.start((p) => points.push(p), (e) => errors.push(e))
    await until(() => points.length > 0 && errors.some((e) => e.message.includes('garbage line')), 'a point and the parse error')
    s.stop()
    expect(points.length).toBeGreaterThan(0)
    expect(points[0]!['sys/gpu0/utilization_percent']).toBe(50)
    expect(points[0]!['sys/rss_bytes']).toBeGreaterThan(0)
    expect(errors.map((e) => e.code)).toContain('ENTRENAR_SYSTEM_GPU_PARSE')
    expect(errors.some((e) => e.message.includes('garbage line'))).toBe(true)
  })

  it('parseNvidiaSmi reports wrong field counts and non-numbers per line', () => {
    const r = parseNvidiaSmi('0, 1, 2, 3, 4, 5\n1, 2\n2, 1, 2, 3, 4, abc\n')
    expect(r.gpus).toHaveLength(1)
    expect(r.errors).toHaveLength(2)
    expect(r.errors[0]).toContain('expected 6 fields')
    expect(r.errors[1]).toContain('power.draw')
  })

  it('averages samplesPerPoint readings into one point', async () => {
    const s = systemMetrics({ intervalMs: 60, samplesPerPoint: 3, gpu: false })
    const points: Record<string, number>[] = []
    const t0 = performance.now()
    s.start((p) => points.push(p), () => {})
    await until(() => points.length > 0, 'the first averaged point')
    const elapsed = performance.now() - t0
    const direct = (await s.readNow())['sys/rss_bytes']!
    s.stop()
    // Three readings 20 ms apart make the first point: timers never fire early, so it took ≥ 60 ms
    // (a few ms of slack for the millisecond rounding of timers).
    expect(elapsed).toBeGreaterThanOrEqual(55)
    // An average of three RSS readings is near one reading (a sum would be three times it).
    const ratio = points[0]!['sys/rss_bytes']! / direct
    expect(ratio).toBeGreaterThan(0.6)
    expect(ratio).toBeLessThan(1.6)
  })
})

describe('system metrics in the monitor', () => {
  it('writes sys/ series at the current training step and stops with the monitor', async () => {
    const store = createMemoryStore()
    const m = await createMonitor({ runId: 'sys', store, system: { intervalMs: 25, gpu: false } })
    m.log({ loss: 1 }, { step: 42 })
    await until(() => m.sampleCount('sys/rss_bytes') > 0, 'a sys/ sample')
    await m.close()
    const n = m.sampleCount('sys/rss_bytes')
    await sleep(120)
    expect(m.sampleCount('sys/rss_bytes')).toBe(n)
    const s = (await store.query({ runs: ['sys'], metrics: ['sys/rss_bytes'] })).series[0]!
    expect(new Set(Array.from(s.x))).toEqual(new Set([42]))
  })

  it('system: false starts no sampler', async () => {
    const m = await createMonitor({ runId: 'nosys', system: false })
    await sleep(50)
    expect(m.collector.metrics.some((k) => k.startsWith('sys/'))).toBe(false)
    await m.close()
  })
})
