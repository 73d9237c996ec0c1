// Copies the release build of rust/drift into prebuilds/<platform>/ (and the C header into include/),
// so the package tarball carries the library for the platform it was built on. Runs after the
// @entrenar/rust build (a devDependency, so turbo orders it first).
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const libc = process.platform === 'linux' ? (process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl') : undefined
const platform = [process.platform, process.arch, libc].filter(Boolean).join('-')
const file = { darwin: 'libentrenar_drift.dylib', win32: 'entrenar_drift.dll' }[process.platform] ?? 'libentrenar_drift.so'
const built = here(`../../../rust/target/release/${file}`)
if (!existsSync(built)) {
  console.error(`drift-native: ${built} is missing; build the Rust workspace first (cargo build --release --offline --manifest-path rust/Cargo.toml)`)
  process.exit(1)
}
mkdirSync(here(`../prebuilds/${platform}`), { recursive: true })
copyFileSync(built, here(`../prebuilds/${platform}/libentrenar_drift.so`))
mkdirSync(here('../include'), { recursive: true })
copyFileSync(here('../../../rust/drift/include/entrenar_drift.h'), here('../include/entrenar_drift.h'))
console.log(`drift-native: prebuilds/${platform}/libentrenar_drift.so from rust/target/release`)
