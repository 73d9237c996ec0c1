import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

// `npm start` stores the demo's runs in ./runs (git-ignored), whose run catalog is not plain JSON (a
// checksum line, then the document). `npm run lint` afterwards must lint the sources, not that output:
// Biome reads .gitignore. Checked on a copy of the repository's biome.json and .gitignore in a scratch
// git repository, with a catalog like the one the demo writes and one real lint error outside runs/.
const root = fileURLToPath(new URL('..', import.meta.url))
const biome = join(root, 'node_modules', '.bin', 'biome')

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'entrenar-lint-'))
  copyFileSync(join(root, 'biome.json'), join(dir, 'biome.json'))
  copyFileSync(join(root, '.gitignore'), join(dir, '.gitignore'))
  expect(spawnSync('git', ['init', '-q'], { cwd: dir }).status).toBe(0)
  mkdirSync(join(dir, 'runs'))
  writeFileSync(join(dir, 'runs', 'run-catalog.json'), '{"crc":2548165773}\n{"format":"entrenar-run-catalog","version":1,"runs":[]}\n')
  mkdirSync(join(dir, 'src'))
  writeFileSync(join(dir, 'src', 'ok.ts'), 'export const ok = 1\n')
  return dir
}

const check = (cwd: string) => spawnSync(biome, ['check', '.'], { cwd, encoding: 'utf8' })

it('lint ignores the runs the demo wrote (git-ignored output), and still fails on a real error', () => {
  const dir = scratch()
  const clean = check(dir)
  expect(clean.status, `${clean.stdout}${clean.stderr}`).toBe(0)
  // The same check finds an error where one is: `any` in a source file.
  writeFileSync(join(dir, 'src', 'bad.ts'), 'export const bad: any = 1\n')
  const dirty = check(dir)
  expect(dirty.status).not.toBe(0)
  expect(`${dirty.stdout}${dirty.stderr}`).toMatch(/noExplicitAny/)
  expect(`${dirty.stdout}${dirty.stderr}`).not.toMatch(/run-catalog/)
})
