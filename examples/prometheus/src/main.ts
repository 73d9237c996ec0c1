/**
 * `node dist/main.js [--port 9464]`: a training run exposing /metrics. Point Prometheus at it:
 *   prometheus --config.file=prometheus.yml   (see README.md; prometheusConfig() writes one)
 */
import { prometheusConfig, trainWithPrometheus } from './lib.js'

const args = process.argv.slice(2)
const port = Number(args[args.indexOf('--port') + 1] ?? '') || 9464
const run = await trainWithPrometheus({ port, steps: 2000, stepDelayMs: 100 })
console.log(`training; metrics at ${run.url}/metrics\nprometheus.yml:\n${prometheusConfig(`127.0.0.1:${run.port}`)}`)
await run.done
await run.close()
