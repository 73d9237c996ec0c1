import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { unavailable } from './errors.js'

/** Environment variable naming the shared library to load instead of the prebuilt one. */
export const LIBRARY_ENV = 'ENTRENAR_DRIFT_NATIVE_LIB'

/** Platforms this package ships a prebuilt library for (`<os>-<arch>-<libc>`). */
export const PREBUILT_PLATFORMS = ['linux-x64-gnu'] as const

/** The host as native npm packages name it. */
export interface HostPlatform {
  readonly platform: string
  readonly arch: string
  /** `gnu` or `musl` on Linux, undefined elsewhere. */
  readonly libc: 'gnu' | 'musl' | undefined
}

let host: HostPlatform | undefined

// process.report.getReport() costs milliseconds: ask once per process.
export function hostPlatform(): HostPlatform {
  if (host) return host
  let libc: HostPlatform['libc']
  if (process.platform === 'linux') {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined
    libc = report?.header?.glibcVersionRuntime ? 'gnu' : 'musl'
  }
  host = { platform: process.platform, arch: process.arch, libc }
  return host
}

export function platformName(host: HostPlatform): string {
  return [host.platform, host.arch, host.libc].filter(Boolean).join('-')
}

const BUILD_FIX =
  'build it from the Entrenar repository with `cargo build --release --offline --manifest-path rust/Cargo.toml` and set ENTRENAR_DRIFT_NATIVE_LIB to rust/target/release/libentrenar_drift.so (.dylib on macOS, entrenar_drift.dll on Windows)'

/**
 * Where the shared library is: `explicit` (an option), else `$ENTRENAR_DRIFT_NATIVE_LIB`, else the
 * prebuilt library of this platform inside the package. Fails with `ENTRENAR_DRIFT_NATIVE_UNAVAILABLE`,
 * naming the path and the fix, when there is none.
 */
export function resolveLibraryPath(explicit: string | undefined, env: Record<string, string | undefined> = process.env, host: HostPlatform = hostPlatform()): string {
  const given = explicit ?? (env[LIBRARY_ENV] || undefined)
  if (given !== undefined) {
    if (!existsSync(given)) {
      const from = explicit !== undefined ? 'libraryPath' : LIBRARY_ENV
      throw unavailable(`shared library not found at ${given} (from ${from}); point ${from} at an existing libentrenar_drift, or unset it to use the prebuilt one`, given)
    }
    return given
  }
  const name = platformName(host)
  if (!(PREBUILT_PLATFORMS as readonly string[]).includes(name)) {
    throw unavailable(`no prebuilt library for ${name} (this package ships ${PREBUILT_PLATFORMS.join(', ')}); ${BUILD_FIX}`, undefined)
  }
  const path = fileURLToPath(new URL(`../prebuilds/${name}/libentrenar_drift.so`, import.meta.url))
  if (!existsSync(path)) {
    throw unavailable(`prebuilt library missing at ${path}; reinstall @entrenar/drift-native, or in the repository run \`npm run build\`, or ${BUILD_FIX}`, path)
  }
  return path
}
