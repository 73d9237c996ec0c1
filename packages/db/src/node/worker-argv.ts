/**
 * The `execArgv` for a worker thread started by this package. A worker inherits the parent's flags by
 * default, and some make it fail before it runs a line: `--input-type` is rejected without `--eval`
 * (`node --input-type=module -e '…'`), `-e`/`-p` would run the parent's code string again, and loaders
 * (`--import`, `--loader`, `--require`) would run the parent's hooks in a worker that only needs plain
 * built JavaScript. Returns `undefined` (inherit, as before) when none of these is present.
 */
export function workerExecArgv(parent: readonly string[]): string[] | undefined {
  const out: string[] = []
  let dropped = false
  for (let i = 0; i < parent.length; i++) {
    const a = parent[i]!
    const eq = a.indexOf('=')
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a
    if (WITH_VALUE.has(name)) {
      dropped = true
      if (eq < 0 || !a.startsWith('--')) i++ // the value is the next argument
      continue
    }
    if (FLAGS.has(name) || /^-[a-zA-Z]*[ep][a-zA-Z]*$/.test(a)) {
      // `-pe` style bundles of short flags that include eval or print carry the code next.
      dropped = true
      if (/^-[a-zA-Z]*[ep][a-zA-Z]*$/.test(a)) i++
      continue
    }
    out.push(a)
  }
  return dropped ? out : undefined
}

/** Flags that take a value (as `--flag=v` or `--flag v`; short ones as `-f v`). */
const WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--input-type', '--import', '--loader', '--experimental-loader', '-r', '--require'])
/** Flags without a value that belong to the parent's entry point only. */
const FLAGS = new Set(['-i', '--interactive', '-c', '--check', '--test', '--watch', '--watch-preserve-output', '-'])

/** Removes the flags a worker rejects (`ERR_WORKER_INVALID_EXEC_ARGV` names them: V8 and per-process options). */
export function withoutInvalid(argv: readonly string[], message: string): string[] {
  const named = message.slice(message.indexOf(':') + 1).split(/[\s,]+/).filter((s) => s.startsWith('-'))
  return argv.filter((a) => !named.includes(a))
}
