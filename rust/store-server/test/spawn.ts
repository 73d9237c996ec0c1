/** Starts the release build of `entrenar-store-server` on a free port and reads its URL from stdout. */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Where `npm run build` (cargo build --release) puts the binary. */
export const STORE_SERVER_BIN = fileURLToPath(new URL('../../target/release/entrenar-store-server', import.meta.url))

/** A started server. */
export interface RustStore {
  readonly url: string
  readonly proc: ChildProcess
  /** What the server wrote on stderr so far. */
  stderr(): string
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>
}

function exited(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((r) => proc.once('exit', () => r()))
}

/** Spawns the server with `--port 0 --data <data>` plus `args`; rejects with its stderr when it exits before printing a URL. */
export async function startRustStore(data: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RustStore> {
  if (!existsSync(STORE_SERVER_BIN)) throw new Error(`${STORE_SERVER_BIN} is missing: run \`npm run build\` (it runs cargo build --release --offline in rust/)`)
  const proc = spawn(STORE_SERVER_BIN, ['--port', '0', '--data', data, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, ...env } })
  let err = ''
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d
      const nl = out.indexOf('\n')
      if (nl >= 0) resolve(out.slice(0, nl).trim())
    })
    proc.once('exit', (code, signal) => reject(new Error(`entrenar-store-server exited (${code ?? signal}) before listening: ${err}`)))
  })
  return {
    url,
    proc,
    stderr: () => err,
    async kill() {
      proc.kill('SIGKILL')
      await exited(proc)
    },
    async stop() {
      proc.kill('SIGTERM')
      await exited(proc)
    },
  }
}
