/** The only module of @entrenar/graph that touches the file system. */
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import type { LineageStorage } from './storage.js'

/**
 * Files in `<dir>/lineage/`. Each write goes to a temporary file that is fsync'd and renamed over
 * the old one, so a reader sees a whole file or the previous one; a crash between two renames is
 * caught on load by the generation stamp every table carries.
 */
export function fsStorage(dir: string): LineageStorage {
  const root = join(dir, 'lineage')
  return {
    async read(name) {
      try {
        const b = await readFile(join(root, name))
        // A view, not a copy: the tables of 1M models are tens of MB.
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw e
      }
    },
    async write(files) {
      await mkdir(root, { recursive: true })
      const names = Object.keys(files)
      const tmp = (name: string) => join(root, `.${name}.${process.pid}.tmp`)
      for (const name of names) {
        const fh = await open(tmp(name), 'w')
        try {
          await fh.writeFile(files[name]!)
          await fh.sync()
        } finally {
          await fh.close()
        }
      }
      for (const name of names) await rename(tmp(name), join(root, name))
      const d = await open(root, 'r')
      try {
        await d.sync()
      } finally {
        await d.close()
      }
    },
  }
}
