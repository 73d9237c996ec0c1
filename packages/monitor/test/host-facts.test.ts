import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryStore } from '@entrenar/core'
import { createMonitor } from '@entrenar/monitor'

const spawned = vi.hoisted(() => ({ count: 0 }))
vi.mock('node:child_process', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:child_process')>()
  const execFile = ((...args: Parameters<typeof original.execFile>) => {
    spawned.count++
    return original.execFile(...args)
  }) as typeof original.execFile
  return { ...original, execFile, default: { ...original, execFile } }
})

describe('host facts', () => {
  const cwd = process.cwd()
  afterEach(() => process.chdir(cwd))

  it('starts git once per process and working directory, however many runs are opened', async () => {
    const store = createMemoryStore()
    const before = spawned.count
    const runs = []
    for (let i = 0; i < 5; i++) {
      const m = await createMonitor({ runId: `h-${i}`, store, system: false })
      await m.close()
      runs.push((await store.runs()).find((r) => r.id === `h-${i}`))
    }
    expect(spawned.count - before).toBeLessThanOrEqual(1)
    // Every run still records the same facts.
    expect(new Set(runs.map((r) => `${r?.host}|${r?.gitRevision}`)).size).toBe(1)
    expect(runs[0]?.host).toBeTypeOf('string')

    // Another working directory is read again (it may be another repository).
    const other = mkdtempSync(join(tmpdir(), 'entrenar-host-'))
    process.chdir(other)
    const atOther = spawned.count
    const m = await createMonitor({ runId: 'h-other', store, system: false })
    await m.close()
    expect(spawned.count - atOther).toBe(1)
    expect((await store.runs()).find((r) => r.id === 'h-other')?.gitRevision).toBeUndefined()
  })
})
