/** Node-only entry `@entrenar/monitor/system`: the system metrics sampler and the nvidia-smi parser.
 *
 * @module @entrenar/monitor/system
 */
export { type GpuReading, gpuMetrics, NVIDIA_SMI_QUERY, parseNvidiaSmi } from './system/gpu.js'
export { type SystemMetricsOptions, type SystemSampler, systemMetrics } from './system/sampler.js'
