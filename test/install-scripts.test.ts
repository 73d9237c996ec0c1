import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

// `npm ci` on a fresh clone (npm 11, the packageManager) runs no dependency install script that
// package.json's `allowScripts` does not allow, and warns about every one it was not told about. None is
// needed (koffi loads its shipped binaries, esbuild its platform package; drift-native's tests prove the
// first, every build the second), and nothing may download binaries at install time: each is denied
// explicitly, so a newcomer's install is quiet and the same under npm 10, which ignores the field.
const root = fileURLToPath(new URL('..', import.meta.url))
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall']

/** Every installed package (nested node_modules too) whose package.json declares an install script, or that npm builds with node-gyp. */
function withInstallScripts(dir: string, found = new Map<string, string>()): Map<string, string> {
  if (!existsSync(dir)) return found
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue
    const at = join(dir, entry.name)
    if (entry.name.startsWith('@')) {
      withInstallScripts(at, found)
      continue
    }
    const manifest = join(at, 'package.json')
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; scripts?: Record<string, string> }
      const script = INSTALL_SCRIPTS.find((s) => pkg.scripts?.[s] !== undefined)
      const gyp = !script && existsSync(join(at, 'binding.gyp'))
      if (pkg.name && (script || gyp)) found.set(pkg.name, script ? `${script}: ${pkg.scripts![script]}` : 'node-gyp rebuild (binding.gyp)')
    }
    withInstallScripts(join(at, 'node_modules'), found)
  }
  return found
}

it('every dependency with an install script has an explicit allowScripts decision in package.json', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> }
  const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map((k) => k.replace(/(?<=.)@[^@]*$/, '')))
  const found = withInstallScripts(join(root, 'node_modules'))
  // The workspace's own packages are linked, not installed: their scripts are the build's.
  for (const name of [...found.keys()]) if (name.startsWith('@entrenar/') || name === 'entrenar') found.delete(name)
  expect(found.size).toBeGreaterThan(0)
  const undecided = [...found].filter(([name]) => !decided.has(name)).map(([name, what]) => `${name} (${what})`)
  expect(undecided).toEqual([])
  // None runs: nothing is downloaded or compiled at install time.
  expect(Object.entries(pkg.allowScripts ?? {}).filter(([, allowed]) => allowed !== false)).toEqual([])
})
