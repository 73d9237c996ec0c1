import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { openStore } from '@entrenar/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The migration pages are doctests: every ```ts block is type-checked against the packages' sources and
// run (it logs into a store in a temporary directory, which is then read back); every ```python block
// must at least parse. A page whose code no longer matches the API fails here.
const root = fileURLToPath(new URL('..', import.meta.url))
const pages = readdirSync(join(root, 'docs'))
  .filter((f) => f.startsWith('migrate-from-') && f.endsWith('.md'))
  .sort()

function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!)
}

// Under the repository (git-ignored .tmp/) so that the snippets resolve the workspace's packages.
const work = join(root, '.tmp', `docs-snippets-${process.pid}`)
const snippets: { page: string; file: string; code: string }[] = []

beforeAll(() => {
  mkdirSync(work, { recursive: true })
  for (const page of pages) {
    blocks(readFileSync(join(root, 'docs', page), 'utf8'), 'ts').forEach((code, i) => {
      const file = join(work, `${page.replace(/\.md$/, '')}-${i}.ts`)
      writeFileSync(file, code)
      snippets.push({ page, file, code })
    })
  }
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.base.json', include: ['*.ts'] }))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('migration pages', () => {
  it('there are three, each with Entrenar code and the other tool’s code', () => {
    expect(pages).toEqual(['migrate-from-mlflow.md', 'migrate-from-tensorboard.md', 'migrate-from-wandb.md'])
    for (const page of pages) {
      const text = readFileSync(join(root, 'docs', page), 'utf8')
      expect(blocks(text, 'ts').length, page).toBeGreaterThan(0)
      expect(blocks(text, 'python').length, page).toBeGreaterThan(1)
      expect(text, page).toMatch(/entrenar import (wandb|tensorboard|mlflow) /)
    }
  })

  it('every ts block type-checks against the packages', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(3)
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(work, 'tsconfig.json'), '--noEmit'], { cwd: root, encoding: 'utf8' })
    expect(tsc.status, `${tsc.stdout}${tsc.stderr}`).toBe(0)
  }, 300_000)

  it('every ts block runs: the run it logs is in the store, finished, with every step', async () => {
    const cwd = process.cwd()
    // autoMonitor() stores in $ENTRENAR_DIR when set: unset it so the snippet's default, ./runs, is what runs.
    const key = 'ENTRENAR_DIR'
    const dirEnv = process.env[key]
    for (const s of snippets) {
      // A fresh working directory per snippet: ./runs is where autoMonitor() stores by default.
      const dir = mkdtempSync(join(tmpdir(), 'entrenar-snippet-'))
      try {
        process.chdir(dir)
        delete process.env[key]
        await import(pathToFileURL(s.file).href)
        const store = await openStore(join(dir, 'runs'))
        try {
          const runs = await store.runs()
          expect(runs.map((r) => [r.id, r.status]), s.page).toEqual([['linreg', 'finished']])
          const r = await store.query({ runs: ['linreg'], metrics: ['loss'] })
          const loss = r.series[0]!
          expect(Array.from(loss.x), s.page).toEqual(Array.from({ length: 50 }, (_, i) => i))
          // The fit converges: the page's loop is a real training loop, not a placeholder.
          expect(loss.value[49]!, s.page).toBeLessThan(loss.value[0]! / 10)
        } finally {
          await store.close()
        }
      } finally {
        process.chdir(cwd)
        if (dirEnv === undefined) delete process.env[key]
        else process.env[key] = dirEnv
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }, 300_000)

  it('every python block parses', () => {
    const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['--version']).status === 0)
    expect(python, 'python3 is needed by the test suite').toBeDefined()
    for (const page of pages) {
      for (const code of blocks(readFileSync(join(root, 'docs', page), 'utf8'), 'python')) {
        const r = spawnSync(python!, ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: code, encoding: 'utf8' })
        expect(r.status, `${page}:\n${code}\n${r.stderr}`).toBe(0)
      }
    }
  })
})
