import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The committed C header must be what cbindgen generates from rust/drift/src now. CI installs
// cbindgen (Debian package); elsewhere the check runs when it is installed.
const crate = fileURLToPath(new URL('../../../rust/drift', import.meta.url))
const committed = join(crate, 'include', 'entrenar_drift.h')
const hasCbindgen = spawnSync('cbindgen', ['--version']).status === 0

describe('C header', () => {
  it.skipIf(!hasCbindgen && !process.env.CI)('rust/drift/include/entrenar_drift.h is what cbindgen generates (regenerate: see rust/drift/cbindgen.toml)', () => {
    expect(hasCbindgen, 'cbindgen is not installed: apt-get install cbindgen').toBe(true)
    const dir = mkdtempSync(join(tmpdir(), 'entrenar-header-'))
    try {
      const fresh = join(dir, 'entrenar_drift.h')
      // From inside the workspace, so cargo metadata reads rust/.cargo/config.toml (offline, vendored).
      execFileSync('cbindgen', ['--quiet', '--config', join(crate, 'cbindgen.toml'), '--output', fresh, crate], { cwd: crate, stdio: 'pipe' })
      expect(readFileSync(committed, 'utf8'), 'stale header: run `cd rust/drift && cbindgen --config cbindgen.toml --output include/entrenar_drift.h .`').toBe(readFileSync(fresh, 'utf8'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('declares every function the TypeScript side binds, with the ABI version it checks', () => {
    const header = readFileSync(committed, 'utf8')
    expect(header).toContain('#define ENTRENAR_ABI_VERSION 1')
    for (const kind of ['page_hinkley', 'adwin', 'kswin', 'ddm', 'eddm', 'hddm_a']) {
      for (const fn of ['default_options', 'new', 'free', 'update', 'update_batch', 'reset', 'statistic', 'samples']) expect(header).toContain(` entrenar_${kind}_${fn}(`)
    }
    expect(header).toMatch(/EntrenarStatus entrenar_adwin_update_batch\(struct EntrenarAdwin \*h,\s+const double \*xs,\s+size_t n,\s+uint8_t \*signals_out\);/)
  })
})

const hasCc = spawnSync('cc', ['--version']).status === 0

describe('C callers', () => {
  it.skipIf(!hasCc)('a C program compiled against the header links the library and gets the same answers', () => {
    const lib = fileURLToPath(new URL('../prebuilds/linux-x64-gnu/', import.meta.url))
    const dir = mkdtempSync(join(tmpdir(), 'entrenar-c-'))
    try {
      const exe = join(dir, 'abi')
      const source = fileURLToPath(new URL('./fixtures/abi.c', import.meta.url))
      execFileSync('cc', ['-std=c99', '-Wall', '-Werror', '-I', join(crate, 'include'), source, '-L', lib, '-lentrenar_drift', '-lm', '-o', exe], { stdio: 'pipe' })
      const out = execFileSync(exe, { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: lib } })
      // @entrenar/drift's pageHinkley() drifts at 1010 (direction up) on this stream too.
      expect(out).toBe(
        [
          'drift 1010 invalid 1 direction 1',
          'status 1 handle null code ENTRENAR_INVALID_CONFIG message entrenar/drift: threshold must be a number in (0, 1.7976931348623157e+308], got -1',
          'null update 255',
          '',
        ].join('\n'),
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
