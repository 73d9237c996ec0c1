// Consumer check: packs every package as it would be published, installs the tarballs into a
// temporary project outside the workspace, and runs a short program that imports them and logs a
// few points. Then publint and arethetypeswrong check every package. Exit code 1 on any failure.
// Usage: npm run build && node scripts/consumer-check.mjs
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir: join(root, 'packages', dir), pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ dir }) => readdirSync(dir).includes('dist'))

const failures = []
const work = mkdtempSync(join(tmpdir(), 'entrenar-consumer-'))
try {
  const tarballs = packages.map(({ dir }) => join(work, JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], dir))[0].filename))
  console.log(`packed ${tarballs.length} packages`)
  const app = join(work, 'app')
  run('mkdir', ['-p', app])
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], app)
  const names = packages.map(({ pkg }) => pkg.name)
  writeFileSync(
    join(app, 'main.mjs'),
    `import { createMemoryStore } from '@entrenar/core'
import { createMonitor } from '@entrenar/monitor'
${names.map((n, i) => `import * as m${i} from '${n}'`).join('\n')}
const loaded = [${names.map((_, i) => `m${i}`).join(', ')}]
for (const [i, m] of loaded.entries()) if (Object.keys(m).length === 0) throw new Error('package ' + i + ' exports nothing')
const store = createMemoryStore()
const monitor = await createMonitor({ runId: 'consumer', store })
for (let step = 0; step < 5; step++) monitor.log({ loss: 1 / (step + 1) }, { step })
monitor.log({ loss: Number.NaN }, { step: 5 })
await monitor.close()
const s = (await store.query({ runs: ['consumer'] })).series[0]
if (s.value.length !== 6 || !monitor.signal.aborted) throw new Error('unexpected result ' + s.value.length + ' ' + monitor.signal.aborted)
console.log('consumer: imported ${names.length} packages, logged', s.value.length, 'points; stopped:', monitor.signal.reason.message)
${
  names.includes('@entrenar/drift-native')
    ? `// The native detectors run through FFI from the library inside the installed tarball.
const native = await import('@entrenar/drift-native')
const lib = native.loadDriftNative()
if (!lib.path.includes('node_modules/@entrenar/drift-native/prebuilds/')) throw new Error('native library loaded from ' + lib.path)
const ph = native.pageHinkley()
const xs = Float64Array.from({ length: 2000 }, (_, i) => (i < 1000 ? i % 2 : 4 + (i % 4)))
const signals = ph.updateBatch(xs)
const drift = signals.indexOf(2)
ph.close()
const reference = (await import('@entrenar/drift')).pageHinkley()
const expected = Array.from(xs).findIndex((x) => reference.update(x) === 'drift')
if (drift < 1000 || drift !== expected) throw new Error('native Page-Hinkley drift at ' + drift + ', TypeScript at ' + expected)
console.log('consumer: native Page-Hinkley through FFI (' + lib.path.split('node_modules/')[1] + ') drifts at', drift, 'as the TypeScript one')`
    : ''
}
`,
  )
  console.log(run('node', ['main.mjs'], app).trim())
} catch (e) {
  failures.push(`install/run: ${e.stderr || e.message}`)
}

for (const { dir, pkg } of packages) {
  try {
    run('npx', ['publint', '--strict'], dir)
  } catch (e) {
    failures.push(`publint ${pkg.name}: ${e.stdout}${e.stderr}`)
  }
  try {
    run('npx', ['attw', '--pack', '.', '--profile', 'esm-only', '--format', 'ascii'], dir)
  } catch (e) {
    failures.push(`attw ${pkg.name}: ${e.stdout}${e.stderr}`)
  }
}
rmSync(work, { recursive: true, force: true })
if (failures.length) {
  console.error(`consumer check failed:\n${failures.join('\n')}`)
  process.exit(1)
}
console.log(`consumer check passed: ${packages.length} packages packed, installed, imported; publint and attw clean`)
