/** Node-only: experiments of the tracking API kept as JSON lines in a file, synced before they are acknowledged. */
import { EntrenarError, ErrorCodes } from '@entrenar/core'
import { mkdir, open, readFile, truncate } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { ExperimentLog, TrackedExperiment } from './tracking.js'

/**
 * An {@link ExperimentLog} in `path` (one JSON object per line). A torn last line (a crash during
 * an append, never acknowledged) is cut off at load, so later appends start on a line of their own;
 * any other unreadable line is `ENTRENAR_DB_CORRUPT`.
 */
export function fileExperimentLog(path: string): ExperimentLog {
  return {
    async load() {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw e
      }
      const lines = text.split('\n')
      const out: TrackedExperiment[] = []
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!
        if (line === '') continue
        try {
          out.push(JSON.parse(line) as TrackedExperiment)
        } catch (e) {
          if (i === lines.length - 1) {
            // The torn tail: no newline was written after it.
            await truncate(path, Buffer.byteLength(lines.slice(0, i).map((l) => `${l}\n`).join('')))
            break
          }
          throw new EntrenarError(ErrorCodes.DB_CORRUPT, `entrenar/serve: ${path} line ${i + 1} is not JSON`, { cause: e })
        }
      }
      return out
    },
    async append(e) {
      await mkdir(dirname(path), { recursive: true })
      const f = await open(path, 'a')
      try {
        await f.write(`${JSON.stringify(e)}\n`)
        await f.sync()
      } finally {
        await f.close()
      }
    },
  }
}
