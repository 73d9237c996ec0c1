/**
 * System metrics sampler (Node only; loaded lazily by the monitor). Readings every tracker records
 * beside the curves (W&B and MLflow every 10 s, DVCLive every 0.05 s averaged over 20 samples):
 * process CPU %, memory, event-loop lag (an unref'd 20 ms probe timer: how late each tick fires; Node 20's
 * `perf_hooks.monitorEventLoopDelay` reported ~11 ms for a 200 ms block here, so it is not used), GC pause time
 * (`PerformanceObserver` on `gc`), host load and free memory, and per-GPU readings when `nvidia-smi`
 * is on the PATH. Everything runs on an unref'd timer: nothing here touches the `log()` path and
 * nothing keeps the process alive.
 */
import { execFile } from 'node:child_process'
import { freemem, loadavg, totalmem } from 'node:os'
import { PerformanceObserver } from 'node:perf_hooks'
import { EntrenarError } from '@entrenar/core'
import { gpuMetrics, NVIDIA_SMI_QUERY, parseNvidiaSmi } from './gpu.js'

/** Options of {@link systemMetrics}. */
export interface SystemMetricsOptions {
  /** Time between two points. Default 10 000 ms. */
  readonly intervalMs?: number
  /** Readings averaged into one point (taken evenly within the interval). Default 1. */
  readonly samplesPerPoint?: number
  /** Query `nvidia-smi` when it is on the PATH. Default true. */
  readonly gpu?: boolean
  /** The nvidia-smi command. Default `nvidia-smi` (looked up on the PATH). */
  readonly nvidiaSmi?: string
}

/** A running sampler. */
export interface SystemSampler {
  /** Starts emitting one point per interval. */
  start(emit: (values: Record<string, number>) => void, onError: (e: EntrenarError) => void): void
  /** Stops the timer and releases the observers. Idempotent. */
  stop(): void
  /** Takes one reading now (CPU since the previous reading, lag and GC since the previous reading). */
  readNow(): Promise<Record<string, number>>
  /** True while the interval timer runs: after `start()`, until `stop()`. */
  readonly running: boolean
}

/** Creates a sampler; `createMonitor({ system })` starts and stops it with the run. */
export function systemMetrics(options: SystemMetricsOptions = {}): SystemSampler {
  const intervalMs = options.intervalMs ?? 10_000
  const per = Math.max(1, Math.floor(options.samplesPerPoint ?? 1))
  if (!(intervalMs > 0)) throw new EntrenarError('ENTRENAR_INVALID_CONFIG', `entrenar/monitor: system intervalMs ${intervalMs} must be > 0`)
  let timer: ReturnType<typeof setInterval> | undefined
  let lag: LagProbe | undefined
  let gc: PerformanceObserver | undefined
  let gcMs = 0
  let gcCount = 0
  let lastCpu = process.cpuUsage()
  let lastWall = performance.now()
  let gpuMissing = options.gpu === false
  let report: (e: EntrenarError) => void = () => {}

  const ensureObservers = () => {
    lag ??= lagProbe(20)
    if (!gc) {
      gc = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          gcMs += e.duration
          gcCount++
        }
      })
      gc.observe({ entryTypes: ['gc'] })
    }
  }

  const gpu = (): Promise<Record<string, number>> =>
    new Promise((resolve) => {
      const out: Record<string, number> = {}
      if (gpuMissing) return resolve(out)
      execFile(options.nvidiaSmi ?? 'nvidia-smi', [`--query-gpu=${NVIDIA_SMI_QUERY}`, '--format=csv,noheader,nounits'], { timeout: 5000 }, (err, stdout) => {
        if (err) {
          // No nvidia-smi on the PATH: no GPU series, and no error. Any other failure is reported.
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') gpuMissing = true
          else report(new EntrenarError('ENTRENAR_SYSTEM_GPU', `entrenar/monitor: nvidia-smi failed: ${err.message}`, { cause: err }))
          return resolve(out)
        }
        const { gpus, errors } = parseNvidiaSmi(stdout)
        for (const e of errors) report(new EntrenarError('ENTRENAR_SYSTEM_GPU_PARSE', `entrenar/monitor: nvidia-smi output: ${e}`))
        for (const g of gpus) gpuMetrics(g, out)
        resolve(out)
      })
    })

  const readNow = async (): Promise<Record<string, number>> => {
    ensureObservers()
    const now = performance.now()
    const cpu = process.cpuUsage(lastCpu)
    const wallUs = Math.max(1, (now - lastWall) * 1000)
    lastCpu = process.cpuUsage()
    lastWall = now
    const mem = process.memoryUsage()
    const [p50, p99] = lag!.percentiles()
    const values: Record<string, number> = {
      'sys/cpu_user_percent': (100 * cpu.user) / wallUs,
      'sys/cpu_system_percent': (100 * cpu.system) / wallUs,
      'sys/rss_bytes': mem.rss,
      'sys/heap_used_bytes': mem.heapUsed,
      'sys/heap_total_bytes': mem.heapTotal,
      'sys/external_bytes': mem.external,
      'sys/array_buffers_bytes': mem.arrayBuffers,
      'sys/event_loop_lag_p50_ms': p50,
      'sys/event_loop_lag_p99_ms': p99,
      'sys/gc_pause_ms': gcMs,
      'sys/gc_count': gcCount,
      'sys/load_avg_1m': loadavg()[0]!,
      'sys/free_memory_bytes': freemem(),
      'sys/total_memory_bytes': totalmem(),
    }
    lag!.reset()
    gcMs = 0
    gcCount = 0
    Object.assign(values, await gpu())
    return values
  }

  return {
    get running() {
      return timer !== undefined
    },
    start(emit, onError) {
      if (timer) return
      report = onError
      ensureObservers()
      lastCpu = process.cpuUsage()
      lastWall = performance.now()
      let acc: Record<string, number> = {}
      let taken = 0
      timer = setInterval(() => {
        readNow().then(
          (v) => {
            if (!timer) return
            // Average `per` readings into one point (DVCLive's samples-per-point); GC time and count add up.
            for (const k in v) acc[k] = (acc[k] ?? 0) + (k.startsWith('sys/gc_') ? v[k]! : v[k]! / per)
            if (++taken < per) return
            const point = acc
            acc = {}
            taken = 0
            emit(point)
          },
          (e: unknown) => report(new EntrenarError('ENTRENAR_SYSTEM', `entrenar/monitor: system sample failed: ${String(e)}`, { cause: e })),
        )
      }, intervalMs / per)
      timer.unref()
    },
    stop() {
      if (timer) clearInterval(timer)
      timer = undefined
      lag?.stop()
      lag = undefined
      gc?.disconnect()
      gc = undefined
    },
    readNow,
  }
}

interface LagProbe {
  /** p50 and p99 of the lateness of the probe's ticks since the last reset, in ms (0 when none). */
  percentiles(): [number, number]
  reset(): void
  stop(): void
}

/** Event-loop lag: an unref'd timer every `resolutionMs`; each tick records how late it fired. */
function lagProbe(resolutionMs: number): LagProbe {
  const max = 4096
  const samples = new Float64Array(max)
  let n = 0
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    if (n < max) samples[n++] = Math.max(0, now - last - resolutionMs)
    last = now
  }, resolutionMs)
  timer.unref()
  return {
    percentiles() {
      // The tick that is due now but has not fired yet (the loop is still blocked) counts too.
      const pending = Math.max(0, performance.now() - last - resolutionMs)
      const sorted = Float64Array.from({ length: n + 1 }, (_, i) => (i < n ? samples[i]! : pending)).sort()
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))]!
      return [at(0.5), at(0.99)]
    },
    reset() {
      n = 0
    },
    stop() {
      clearInterval(timer)
    },
  }
}
