#!/usr/bin/env node
/** The `entrenar` executable: process glue around `runCli`. */
import { runCli } from './program.js'

const controller = new AbortController()
let interrupts = 0
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    // First Ctrl-C: stop long-running commands cleanly (flush, close); second: exit now.
    if (++interrupts > 1) process.exit(130)
    controller.abort()
  })
}
const code = await runCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  stdoutTty: Boolean(process.stdout.isTTY),
  stderrTty: Boolean(process.stderr.isTTY),
  signal: controller.signal,
})
process.exitCode = code
