#!/usr/bin/env node
/** The `entrenar` executable. */
import { main } from './main.js'

// A reader that goes away (`entrenar runs ./runs | head -4`) is not the command's failure: the rest of its
// output is dropped and the command finishes with its own exit code, instead of an unhandled EPIPE trace.
for (const stream of [process.stdout, process.stderr]) {
  let gone = false
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (gone || e.code === 'EPIPE') {
      gone = true
      return
    }
    throw e
  })
}

process.exitCode = await main(process)
