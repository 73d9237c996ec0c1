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
