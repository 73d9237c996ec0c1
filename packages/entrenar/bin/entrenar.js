#!/usr/bin/env node
// The `entrenar` executable as npm links it. This file is committed (not built) so that `npm ci` on a fresh
// clone can link `node_modules/.bin/entrenar` before `npm run build` has produced `dist/cli.js`: npm links a
// bin only if its target exists at install time. It loads the built CLI, or says how to build it.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = new URL('../dist/cli.js', import.meta.url)

/** Exit code when the CLI is not built (EX_UNAVAILABLE of sysexits.h: a required part is missing). */
const NOT_BUILT = 69

function notBuilt(detail) {
  process.stderr.write(
    `entrenar: the CLI is not built yet (${detail}).\n` +
      'Build it first: run `npm run build` at the root of the repository (or `npx turbo run build --filter=entrenar`), then retry.\n',
  )
  process.exitCode = NOT_BUILT
}

if (!existsSync(cli)) {
  notBuilt(`${fileURLToPath(cli)} is missing`)
} else {
  try {
    await import(cli.href)
  } catch (err) {
    // A dependency's dist/ missing (a partial build) surfaces as ERR_MODULE_NOT_FOUND on a dist/ path.
    const message = err instanceof Error ? err.message : String(err)
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && /[\\/]dist[\\/]/.test(message)) notBuilt(message)
    else throw err
  }
}
