import { EXIT } from './io.js'
import { runCli } from './program.js'

/** What the `entrenar` executable takes from its process (the real `process`, or a stand-in in tests). */
export interface CliProcess {
  /** `node`, the script, then the arguments. */
  readonly argv: readonly string[]
  readonly env: Readonly<Record<string, string | undefined>>
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean }
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean }
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown
  exit(code: number): void
}

/**
 * The executable's process glue around `runCli`: streams, TTY flags, environment, and signals. The
 * first SIGINT/SIGTERM aborts long-running commands (serve, dashboard), which flush and close their
 * store and exit 0; a second one exits at once with 130. Resolves to the exit code.
 */
export async function main(proc: CliProcess): Promise<number> {
  const controller = new AbortController()
  let interrupts = 0
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    proc.on(sig, () => {
      if (++interrupts > 1) proc.exit(EXIT.INTERRUPTED)
      else controller.abort()
    })
  }
  return runCli(proc.argv.slice(2), {
    out: (t) => void proc.stdout.write(t),
    err: (t) => void proc.stderr.write(t),
    env: proc.env,
    stdoutTty: Boolean(proc.stdout.isTTY),
    stderrTty: Boolean(proc.stderr.isTTY),
    signal: controller.signal,
  })
}
