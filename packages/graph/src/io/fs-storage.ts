/** The only module of @entrenar/graph that touches the file system. */
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { LineageStorage } from './storage.js'

async function syncDir(root: string): Promise<void> {
  const d = await open(root, 'r')
  try {
    await d.sync()
  } finally {
    await d.close()
  }
}

/**
 * Files in `<dir>/lineage/`. Each write goes to a temporary file that is fsync'd and renamed over
 * its name, then the directory is fsync'd, so a reader sees a whole file or none; a crash between
 * the files of one segment leaves an incomplete segment that the loader detects.
 */
export function fsStorage(dir: string): LineageStorage {
  const root = join(dir, 'lineage')
  const readRanges: NonNullable<LineageStorage['readRanges']> = async (name, tail, plan) => {
    let fh: Awaited<ReturnType<typeof open>>
    try {
      fh = await open(join(root, name), 'r')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw e
    }
    try {
      const { size } = await fh.stat()
      const out = new Uint8Array(size)
      const fill = async (from: number, to: number) => {
        // pread may return fewer bytes than asked: read until the range is full.
        for (let at = from; at < to; ) {
          const { bytesRead } = await fh.read(out, at, to - at, at)
          if (bytesRead === 0) throw new Error(`lineage/${name}: file shorter than its size while reading`)
          at += bytesRead
        }
      }
      const t = Math.min(tail, size)
      await fill(size - t, size)
      for (const [start, end] of plan(size, out.subarray(size - t))) await fill(Math.max(0, start), Math.min(size - t, end))
      return out
    } finally {
      await fh.close()
    }
  }
  return {
    // Whole files read in one call: `readFile` reads in 512 KiB chunks, one thread-pool round
    // trip per chunk, which a busy machine turns into seconds for a 1M-model table.
    read: (name) => readRanges(name, Number.MAX_SAFE_INTEGER, () => []),
    async write(files) {
      await mkdir(root, { recursive: true })
      const names = Object.keys(files)
      const tmp = (name: string) => join(root, `.${name}.${process.pid}.tmp`)
      // The files are written and fsync'd side by side (their syncs overlap), then renamed in order.
      await Promise.all(
        names.map(async (name) => {
          const fh = await open(tmp(name), 'w')
          try {
            await fh.writeFile(files[name]!)
            await fh.sync()
          } finally {
            await fh.close()
          }
        }),
      )
      for (const name of names) await rename(tmp(name), join(root, name))
      await syncDir(root)
    },
    readRanges,
    async list() {
      try {
        return (await readdir(root)).filter((name) => !name.startsWith('.'))
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw e
      }
    },
    async remove(names) {
      if (names.length === 0) return
      for (const name of names) {
        try {
          await unlink(join(root, name))
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
        }
      }
      await syncDir(root)
    },
  }
}
