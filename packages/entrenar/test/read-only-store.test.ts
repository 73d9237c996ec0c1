// A store this user may not write (another user's, a read-only medium): reading commands work and write nothing.
// Runs the built CLI (dist/) as another user when the tests run as root (root writes anywhere), else on a
// directory made read-only.
import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { batchFromRows } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from './helpers.js'

const cli = join(import.meta.dirname, '..', 'bin', 'entrenar.js')
const root = process.getuid?.() === 0

/** Every path under `dir` with its size, mtime and inode. */
function snapshot(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, f.name)
      const st = statSync(p, { bigint: true })
      out.push(`${p} ${st.size} ${st.mtimeNs} ${st.ino}`)
      if (f.isDirectory()) walk(p)
    }
  }
  walk(dir)
  return out.sort()
}

function chmodTree(dir: string, fileMode: number, dirMode: number): void {
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name)
    if (f.isDirectory()) chmodTree(p, fileMode, dirMode)
    else chmodSync(p, fileMode)
  }
  chmodSync(dir, dirMode)
}

describe.skipIf(process.platform === 'win32')('entrenar on a store it may not write', () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) chmodTree(d, 0o644, 0o755)
  })

  it('lists the runs (opened read-only) and leaves the directory untouched', async () => {
    const parent = tempDir('entrenar-ro-')
    chmodSync(parent, 0o755)
    const dir = join(parent, 'store')
    const s = await openStore(dir)
    await s.write(batchFromRows('r1', [{ metric: 'loss', step: 1, value: 0.5, timestampUs: 1_700_000_000_000_000, epoch: null, batch: null, tags: null }]))
    await s.putRun({ id: 'r1', status: 'finished', startTimeMs: 1_700_000_000_000, config: {} })
    await s.close()
    dirs.push(dir)
    chmodTree(dir, 0o444, 0o555)
    const home = tempDir('entrenar-ro-home-')
    if (root) chownSync(home, 65534, 65534)
    const before = snapshot(dir)
    const r = spawnSync(process.execPath, [cli, '--json', 'runs', dir], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', HOME: home, XDG_CACHE_HOME: join(home, '.cache') },
      ...(root ? { uid: 65534, gid: 65534 } : {}),
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('"r1"')
    expect(snapshot(dir)).toEqual(before)
  })
})
