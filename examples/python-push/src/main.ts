/** `node dist/main.js [--dir ./runs]`: serves a store and runs the Python loop against it. */
import { runPython, serveStore } from './lib.js'

const args = process.argv.slice(2)
const dir = args.includes('--dir') ? args[args.indexOf('--dir') + 1]! : './runs'
const { store, server } = await serveStore(dir)
console.log(`entrenar serving ${dir} at ${server.url}; running python3 python/train.py …`)
const r = await runPython(server.url, ['--steps', '300'])
await server.close()
const res = await store.query({ runs: [r.run_id], metrics: ['loss'], aggregate: 'last' })
console.log(`${r.points} points pushed; last loss in the store: ${res.series[0]?.value[0]}`)
await store.close()
