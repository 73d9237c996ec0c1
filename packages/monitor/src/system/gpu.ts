/**
 * Per-GPU readings from `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` (NVIDIA's documented CSV
 * query mode, one line per GPU). Fields that the driver reports as `[N/A]` or `[Not Supported]` are skipped;
 * a line that does not parse is reported, never thrown.
 */
export const NVIDIA_SMI_QUERY = 'index,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw'

/** One GPU's reading; absent fields were not reported by the driver. */
export interface GpuReading {
  /** The GPU's index, as nvidia-smi numbers it (`index`). */
  readonly index: number
  /** GPU utilisation over the last sample period, percent (`utilization.gpu`). */
  readonly utilizationPercent?: number
  /** Memory in use, bytes (`memory.used`, reported in MiB). */
  readonly memoryUsedBytes?: number
  /** Total memory, bytes (`memory.total`, reported in MiB). */
  readonly memoryTotalBytes?: number
  /** Core temperature, degrees Celsius (`temperature.gpu`). */
  readonly temperatureC?: number
  /** Power draw, watts (`power.draw`). */
  readonly powerW?: number
}

const MIB = 1024 * 1024

/** Parses nvidia-smi's CSV output. Returns the readings and one message per line that did not parse. */
export function parseNvidiaSmi(csv: string): {
  /** One reading per line that parsed, in output order. */
  gpus: GpuReading[]
  /** One message per line that did not parse (line number, what was wrong, the line's start). */
  errors: string[]
} {
  const gpus: GpuReading[] = []
  const errors: string[] = []
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '')
  lines.forEach((line, n) => {
    const cells = line.split(',').map((c) => c.trim())
    if (cells.length !== 6) {
      errors.push(`line ${n + 1}: expected 6 fields (${NVIDIA_SMI_QUERY}), got ${cells.length}: ${JSON.stringify(line.slice(0, 120))}`)
      return
    }
    const num = (i: number): number | undefined | null => {
      const c = cells[i]!
      if (c.startsWith('[') || c === '') return undefined // [N/A], [Not Supported]
      const x = Number(c)
      return Number.isFinite(x) ? x : null
    }
    const values = [num(0), num(1), num(2), num(3), num(4), num(5)]
    const bad = values.indexOf(null)
    if (bad >= 0 || values[0] === undefined) {
      errors.push(`line ${n + 1}: field ${NVIDIA_SMI_QUERY.split(',')[Math.max(bad , 0)]} is not a number: ${JSON.stringify(line.slice(0, 120))}`)
      return
    }
    const [index, util, used, total, temp, power] = values as (number | undefined)[]
    gpus.push({
      index: index!,
      ...(util === undefined ? {} : { utilizationPercent: util }),
      ...(used === undefined ? {} : { memoryUsedBytes: used * MIB }),
      ...(total === undefined ? {} : { memoryTotalBytes: total * MIB }),
      ...(temp === undefined ? {} : { temperatureC: temp }),
      ...(power === undefined ? {} : { powerW: power }),
    })
  })
  return { gpus, errors }
}

/** The metrics of one GPU, named `sys/gpu<i>/<what>`. */
export function gpuMetrics(g: GpuReading, out: Record<string, number>): void {
  const p = `sys/gpu${g.index}/`
  if (g.utilizationPercent !== undefined) out[`${p}utilization_percent`] = g.utilizationPercent
  if (g.memoryUsedBytes !== undefined) out[`${p}memory_used_bytes`] = g.memoryUsedBytes
  if (g.memoryTotalBytes !== undefined) out[`${p}memory_total_bytes`] = g.memoryTotalBytes
  if (g.temperatureC !== undefined) out[`${p}temperature_c`] = g.temperatureC
  if (g.powerW !== undefined) out[`${p}power_w`] = g.powerW
}
