import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The API reference is generated, not committed: `npm run docs` builds it into docs/api/. Here it is built
// into a temporary directory with TypeDoc's validation as errors (an undocumented export, a type the public
// API uses but does not export, a {@link} to nothing), and every relative link of the committed Markdown and
// of the generated reference is checked.
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g')
const root = fileURLToPath(new URL('..', import.meta.url))
let out = ''
let build: ReturnType<typeof spawnSync>

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'entrenar-api-'))
  build = spawnSync('npm', ['run', '--silent', 'docs', '--', '--out', out], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
}, 600_000)
afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true })
})

const publicPackages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { name: string; private?: boolean; exports?: Record<string, unknown> } }))
  .filter((p) => !p.pkg.private)

describe('API reference (npm run docs)', () => {
  it('builds with TypeDoc validation as errors', () => {
    const log = `${build.stdout ?? ''}${build.stderr ?? ''}`.replace(ansi, '')
    expect(build.error).toBeUndefined()
    expect(build.status, log.slice(-6000)).toBe(0)
    expect(log).not.toMatch(/\[(warning|error)\]/)
  })

  it("has a page for every entry point of every published package's exports", () => {
    const missing: string[] = []
    for (const { pkg } of publicPackages) {
      for (const sub of Object.keys(pkg.exports ?? {})) {
        if (sub === './package.json') continue
        const module = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`
        if (!existsSync(join(out, module, 'README.md'))) missing.push(module)
      }
    }
    expect(missing).toEqual([])
  })
})

/** Markdown files to check: the committed docs (not node_modules, build output or the generated reference). */
function markdownFiles(dir: string, acc: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.') || name === 'target' || name === 'vendor') continue
    const p = join(dir, name)
    if (p === join(root, 'docs', 'api') || p === join(root, 'rust')) continue
    if (statSync(p).isDirectory()) markdownFiles(p, acc)
    else if (name.endsWith('.md') && name !== 'CHANGELOG.md') acc.push(p)
  }
  return acc
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const line of stripFences(markdown).split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (!m) continue
    const base = m[1]!
      .toLowerCase()
      .replace(/<[^>]+>/g, '')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]!)
  return out
}

const stripFences = (md: string) => md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
const stripCode = (md: string) => stripFences(md).replace(/`[^`\n]*`/g, '')

/** Relative links of a Markdown file that point nowhere: a missing file or directory, or an unknown anchor. */
function brokenLinks(file: string, resolveTarget: (abs: string) => string): string[] {
  const text = readFileSync(file, 'utf8')
  const broken: string[] = []
  const links = [...stripCode(text).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!)
  for (const link of links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue // http:, https:, mailto:
    const [path, hash] = link.split('#') as [string, string | undefined]
    const target = path === '' ? file : resolveTarget(resolve(dirname(file), decodeURIComponent(path)))
    if (!existsSync(target)) {
      broken.push(`${relative(root, file)}: ${link}`)
      continue
    }
    if (hash && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(decodeURIComponent(hash))) broken.push(`${relative(root, file)}: ${link} (no such heading)`)
  }
  return broken
}

describe('links', () => {
  const api = join(root, 'docs', 'api')
  // Links into docs/api/ are checked against the reference built above (docs/api/ itself is not committed).
  const intoBuilt = (abs: string) => (abs === api || abs.startsWith(`${api}/`) ? join(out, relative(api, abs)) : abs)

  it('every relative link in the committed Markdown resolves (file and heading)', () => {
    const files = markdownFiles(root)
    expect(files.length).toBeGreaterThan(20)
    expect(files.flatMap((f) => brokenLinks(f, intoBuilt))).toEqual([])
  })

  it('every relative link in the generated API reference resolves', () => {
    const files = markdownFiles(out)
    expect(files.length).toBeGreaterThan(10)
    expect(files.flatMap((f) => brokenLinks(f, (abs) => abs))).toEqual([])
  })

  it('the link check finds a broken link and a missing heading', () => {
    const dir = mkdtempSync(join(tmpdir(), 'entrenar-links-'))
    try {
      const page = join(dir, 'a.md')
      writeFileSync(page, '# Title `/x` (y)\n\n[ok](a.md#title-x-y) [gone](b.md) [anchor](a.md#nope) `[code](c.md)`\n')
      expect(brokenLinks(page, (abs) => abs)).toEqual([`${relative(root, page)}: b.md`, `${relative(root, page)}: a.md#nope (no such heading)`])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the same-declaration TypeDoc plugin', () => {
  async function loaded() {
    const seen: [string, number][] = []
    const logger = { log: (message: string, level: number) => void seen.push([message, level]) }
    const plugin = (await import('../scripts/typedoc-same-declaration.mjs')) as { load(app: unknown): void }
    plugin.load({ logger })
    return { log: logger.log, seen }
  }

  it('drops the warning when every listed location is the same line', async () => {
    const { log, seen } = await loaded()
    log('run_id has multiple declarations with a comment. An arbitrary comment will be used', 2)
    log('The comments for run_id are declared at:\n\t./a.ts:19\n\t./a.ts:19', 1)
    log('markdown generated', 1)
    expect(seen).toEqual([['markdown generated', 1]])
  })

  it('keeps it when two different comments compete', async () => {
    const { log, seen } = await loaded()
    log('x has multiple declarations with a comment. An arbitrary comment will be used', 2)
    log('The comments for x are declared at:\n\t./a.ts:3\n\t./b.ts:7', 1)
    expect(seen.map(([, level]) => level)).toEqual([2, 1])
  })
})
