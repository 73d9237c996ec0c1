import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../src/index.js'

/** Runs the CLI in-process with captured output and no colour. */
export async function cli(argv: string[], env: Record<string, string> = { NO_COLOR: '1' }): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env })
  return { code, out, err }
}

export function tempDir(prefix = 'entrenar-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** A terminal stand-in for live dashboards: a TTY of `columns` × 30 whose frames accumulate in `text`. */
export function fakeTerminal(columns = 100): { isTTY: true; columns: number; rows: number; text: string; write(t: string): boolean } {
  return {
    isTTY: true,
    columns,
    rows: 30,
    text: '',
    write(t: string) {
      this.text += t
      return true
    },
  }
}

/**
 * Runs `entrenar serve <args>` in-process on a free port; resolves once it listens, with its URL and
 * `stop()`, which aborts it (as Ctrl-C does) and resolves to its exit code.
 */
export async function startServe(args: string[], out: (t: string) => void = () => {}): Promise<{ url: string; stop(): Promise<number> }> {
  const ac = new AbortController()
  let exited!: Promise<number>
  const url = await new Promise<string>((resolve) => {
    exited = runCli(['serve', ...args, '--port', '0'], { out, err: () => {}, env: {}, signal: ac.signal, onListening: resolve })
  })
  return {
    url,
    stop: () => {
      ac.abort()
      return exited
    },
  }
}
