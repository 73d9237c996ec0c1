import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openStore, type ParquetStore } from '@entrenar/db'
import { type EntrenarServer, startServer } from '@entrenar/serve'

/** The Python script of this example. */
export const TRAIN_PY = fileURLToPath(new URL('../python/train.py', import.meta.url))

/**
 * What `entrenar serve <dir>` does, reduced to the store and the server: a Parquet store and one HTTP
 * server whose `POST /v1/ingest` accepts points from any language.
 */
export async function serveStore(dir: string): Promise<{ store: ParquetStore; server: EntrenarServer }> {
  const store = await openStore(dir)
  const server = await startServer({ store, port: 0 })
  return { store, server }
}

/** Runs the Python training loop against a server; resolves with the script's JSON summary line. */
export function runPython(url: string, args: readonly string[] = [], python = 'python3'): Promise<{ run_id: string; points: number; final_loss: number }> {
  return new Promise((resolve, reject) => {
    execFile(python, [TRAIN_PY, '--url', url, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python failed: ${err.message}\n${stderr}`))
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!))
    })
  })
}
