/** Starts the Rust `entrenar-store-server` (built by `npm run build` into rust/target/release) and reads its URL. */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The binary `npm run build` makes; `ENTRENAR_STORE_SERVER` overrides it. */
export const STORE_SERVER_BIN = process.env.ENTRENAR_STORE_SERVER ?? fileURLToPath(new URL('../../../rust/target/release/entrenar-store-server', import.meta.url))

/** A started store server. */
export interface RustStoreServer {
  readonly url: string
  /** Stops it (SIGTERM: every acknowledged row is already on disk) and waits for the exit. */
  stop(): Promise<void>
}

/** Starts the server on a free loopback port with its append-only file at `data`. */
export async function startRustStoreServer(data: string): Promise<RustStoreServer> {
  if (!existsSync(STORE_SERVER_BIN)) throw new Error(`${STORE_SERVER_BIN} is missing: run \`npm run build\` (cargo build --release --offline in rust/)`)
  const proc: ChildProcess = spawn(STORE_SERVER_BIN, ['--port', '0', '--data', data], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH } })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')).trim())
    })
    proc.once('exit', (code) => reject(new Error(`entrenar-store-server exited with ${code} before listening`)))
  })
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve()
        proc.once('exit', () => resolve())
        proc.kill('SIGTERM')
      }),
  }
}
