import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isEntrenarError } from '@entrenar/core'
import { DriftNativeErrorCodes, LIBRARY_ENV, loadDriftNative, pageHinkley, resolveLibraryPath } from '@entrenar/drift-native'
import { afterAll, describe, expect, it } from 'vitest'

const work = mkdtempSync(join(tmpdir(), 'drift-native-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function thrown(f: () => unknown): Error & { code?: string } {
  try {
    f()
  } catch (e) {
    return e as Error & { code?: string }
  }
  throw new Error('expected an error')
}

// A shared library exporting only what the Rust source says, built with rustc (part of the toolchain the workspace needs).
function cdylib(name: string, source: string): string {
  const src = join(work, `${name}.rs`)
  const out = join(work, `lib${name}.so`)
  writeFileSync(src, source)
  execFileSync('rustc', ['--crate-type', 'cdylib', '--edition', '2021', '-o', out, src], { stdio: 'pipe' })
  return out
}

describe('loading the shared library', () => {
  it('loads the prebuilt library of this platform and checks its ABI version', () => {
    const lib = loadDriftNative()
    expect(lib.abiVersion).toBe(1)
    expect(lib.path).toMatch(/prebuilds\/linux-x64-gnu\/libentrenar_drift\.so$/)
    expect(existsSync(lib.path)).toBe(true)
  })

  it('a missing library named by the environment variable is a coded error naming the path and the fix', () => {
    const missing = join(work, 'nope', 'libentrenar_drift.so')
    const before = process.env[LIBRARY_ENV]
    process.env[LIBRARY_ENV] = missing
    try {
      const e = thrown(() => pageHinkley())
      expect(isEntrenarError(e, DriftNativeErrorCodes.UNAVAILABLE)).toBe(true)
      expect(e.message).toContain(missing)
      expect(e.message).toContain(LIBRARY_ENV)
      expect(e.message).toMatch(/unset it/)
    } finally {
      if (before === undefined) delete process.env[LIBRARY_ENV]
      else process.env[LIBRARY_ENV] = before
    }
    // And the prebuilt library is used again once the variable is gone.
    expect(pageHinkley().name).toBe('page_hinkley')
  })

  it('a file that is not a shared library is a coded error, not a crash', () => {
    const bogus = join(work, 'libentrenar_drift.so')
    writeFileSync(bogus, 'not an ELF file\n')
    const e = thrown(() => loadDriftNative(bogus))
    expect(isEntrenarError(e, DriftNativeErrorCodes.UNAVAILABLE)).toBe(true)
    expect(e.message).toContain(`cannot load ${bogus}`)
    expect(e.message).toMatch(/built for linux-x64/)
  })

  it('another library (libm) is an ABI mismatch naming the path', () => {
    const libm = ['/lib/x86_64-linux-gnu/libm.so.6', '/usr/lib/x86_64-linux-gnu/libm.so.6'].find((p) => existsSync(p))
    expect(libm).toBeDefined()
    const e = thrown(() => loadDriftNative(libm))
    expect(isEntrenarError(e, DriftNativeErrorCodes.ABI_MISMATCH)).toBe(true)
    expect(e.message).toContain(`${libm} does not export entrenar_abi_version`)
  })

  it('a library of another ABI version is refused before any other call', () => {
    const path = cdylib('future', '#[no_mangle]\npub extern "C" fn entrenar_abi_version() -> u32 { 999 }\n')
    const e = thrown(() => loadDriftNative(path))
    expect(isEntrenarError(e, DriftNativeErrorCodes.ABI_MISMATCH)).toBe(true)
    expect(e.message).toContain(`${path} implements C ABI version 999, this package needs version 1`)
  })

  it('a library claiming the right version but lacking the functions is refused', () => {
    const path = cdylib('hollow', '#[no_mangle]\npub extern "C" fn entrenar_abi_version() -> u32 { 1 }\n')
    const e = thrown(() => loadDriftNative(path))
    expect(isEntrenarError(e, DriftNativeErrorCodes.ABI_MISMATCH)).toBe(true)
    expect(e.message).toContain(path)
    expect(e.message).toMatch(/lacks a function/)
  })

  it('a platform without a prebuilt library is a coded error that says how to build one', () => {
    for (const host of [
      { platform: 'darwin', arch: 'arm64', libc: undefined },
      { platform: 'linux', arch: 'x64', libc: 'musl' as const },
      { platform: 'linux', arch: 'arm64', libc: 'gnu' as const },
    ]) {
      const e = thrown(() => resolveLibraryPath(undefined, {}, host))
      expect(isEntrenarError(e, DriftNativeErrorCodes.UNAVAILABLE)).toBe(true)
      expect(e.message).toContain(`no prebuilt library for ${[host.platform, host.arch, host.libc].filter(Boolean).join('-')}`)
      expect(e.message).toContain('cargo build --release')
      expect(e.message).toContain(LIBRARY_ENV)
    }
    // The variable wins over the platform check: a self-built library works anywhere.
    const own = loadDriftNative().path
    expect(resolveLibraryPath(undefined, { [LIBRARY_ENV]: own }, { platform: 'darwin', arch: 'arm64', libc: undefined })).toBe(own)
  })
})
