// The commands the documentation shows are commands the CLI takes. Every `entrenar …` form of the root
// README's CLI paragraph, of this package's README CLI block and of docs/getting-started.md names commands
// and subcommands in the order the CLI parses them and only options that command has; and the commands
// getting-started tells a newcomer to type after `entrenar demo` run, as written, in a directory holding
// nothing but the demo's store.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from './helpers.js'

const root = join(import.meta.dirname, '..', '..', '..')
const read = (path: string) => readFileSync(join(root, path), 'utf8')

/** `entrenar <path> --help`, cached. */
const helps = new Map<string, Promise<string>>()
function help(path: readonly string[]): Promise<string> {
  const key = path.join(' ')
  let h = helps.get(key)
  if (!h) {
    h = cli([...path, '--help']).then((r) => r.out)
    helps.set(key, h)
  }
  return h
}

/** The subcommands a help text lists (its `Commands:` section, `help` aside). */
function subcommands(text: string): string[] {
  const at = text.indexOf('\nCommands:\n')
  if (at < 0) return []
  return [...text.slice(at).matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((n) => n !== 'help')
}

/** The long options a help text lists (its `Options:` section). */
function options(text: string): Set<string> {
  const at = text.indexOf('\nOptions:\n')
  const end = text.indexOf('\nCommands:\n')
  return new Set([...text.slice(at, end < 0 ? undefined : end).matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!))
}

/** Splits at ` | ` outside brackets and parentheses (alternatives of whole subcommand forms). */
function alternatives(form: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < form.length; i++) {
    const c = form[i]
    if (c === '[' || c === '(') depth++
    else if (c === ']' || c === ')') depth--
    else if (depth === 0 && form.startsWith(' | ', i)) {
      parts.push(form.slice(start, i))
      start = i + 3
    }
  }
  parts.push(form.slice(start))
  return parts.map((p) => p.trim())
}

/**
 * What is wrong with one documented form (`lineage show <dir> [model]`, without `entrenar`): each word the
 * CLI would read as a command must be one (alternatives `a|b` all of them), and every `--option` must be
 * one of that command's (or a global one). Returns the problems and the command path.
 */
async function check(form: string): Promise<{ problems: string[]; path: string[] }> {
  const tokens = form.match(/"[^"]*"|\S+/g) ?? []
  const path: string[] = []
  const problems: string[] = []
  let i = 0
  for (;;) {
    const subs = subcommands(await help(path))
    if (subs.length === 0) break
    const tok = tokens[i] ?? ''
    const alts = tok.split('|')
    const unknown = alts.filter((a) => !subs.includes(a))
    if (unknown.length > 0) {
      problems.push(`\`${form}\`: after "entrenar${path.map((p) => ` ${p}`).join('')}" the CLI expects one of ${subs.join(', ')}, got ${JSON.stringify(tok)}`)
      return { problems, path }
    }
    path.push(alts[0]!)
    i++
  }
  const known = new Set([...options(await help(path)), ...options(await help([]))])
  for (const tok of tokens.slice(i)) {
    const flag = tok.replace(/^[[(]+|[\])]+$/g, '').split('=')[0]!
    if (flag.startsWith('--') && !known.has(flag)) problems.push(`\`${form}\`: "entrenar ${path.join(' ')}" has no option ${flag}`)
  }
  return { problems, path }
}

/** Checks a line that may hold sibling forms (`andon check [f] | backtest <dir>`): a sibling takes the first form's parent command. */
async function checkLine(line: string): Promise<string[]> {
  const [first, ...rest] = alternatives(line)
  const { problems, path } = await check(first!)
  for (const alt of rest) {
    // `--url u --token t | --store …` inside brackets never gets here; a bare ` | ` between options is an alternative of options.
    const sibling = /^[a-z]/.test(alt) ? `${path.slice(0, -1).join(' ')} ${alt}` : `${path.join(' ')} ${alt}`
    problems.push(...(await check(sibling.trim())).problems)
  }
  return problems
}

/** The `entrenar …` forms of the root README's CLI paragraph (backticked, starting with a command). */
async function readmeForms(): Promise<string[]> {
  const text = read('README.md')
  const section = text.slice(text.indexOf('\n## CLI\n'), text.indexOf('\n## ', text.indexOf('\n## CLI\n') + 1))
  const commands = new Set(subcommands(await help([])))
  return [...section.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((f) => commands.has(f.split(/\s/)[0]!))
}

/** The lines of the `entrenar` README's CLI block, continuation lines joined, descriptions cut off. */
function packageForms(): string[] {
  const text = read('packages/entrenar/README.md')
  const start = text.indexOf('```', text.indexOf('\n## CLI\n'))
  const block = text.slice(text.indexOf('\n', start) + 1, text.indexOf('```', start + 3))
  const lines: string[] = []
  for (const l of block.split('\n')) {
    if (l.startsWith('entrenar ')) lines.push(l.slice('entrenar '.length))
    else if (/^\s+\S/.test(l) && lines.length > 0) lines[lines.length - 1] += ` ${l.trim()}`
  }
  // A description follows the form after two spaces or more.
  return lines.map((l) => l.replace(/ {2,}(?![^[]*\]).*$/, '').trim())
}

/** The `npx entrenar …` lines of getting-started's shell blocks, without comments. */
function gettingStartedLines(): string[] {
  const text = read('docs/getting-started.md')
  return [...text.matchAll(/^npx entrenar (.*)$/gm)].map((m) => m[1]!.replace(/\s+#.*$/, '').trim())
}

/** Every `entrenar …` line of the code blocks of docs/, docs/packages/, the examples' and the packages' READMEs (comments, shell pipes and `&` cut off). */
function everyPageLines(): { page: string; line: string }[] {
  const pages = [
    ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
    ...readdirSync(join(root, 'docs', 'packages')).filter((f) => f.endsWith('.md')).map((f) => `docs/packages/${f}`),
    ...readdirSync(join(root, 'examples')).map((d) => `examples/${d}/README.md`),
    ...readdirSync(join(root, 'packages')).map((d) => `packages/${d}/README.md`),
  ].filter((p) => existsSync(join(root, p)))
  const out: { page: string; line: string }[] = []
  for (const page of pages) {
    for (const m of read(page).matchAll(/^(?:npx )?entrenar (.*)$/gm)) {
      const line = m[1]!
        .replace(/\s+#.*$/, '')
        .replace(/ \| (jq|head|grep|tee)\b.*$/, '')
        .replace(/\s*&$/, '')
        .replace(/ {2,}(?![^[]*\]).*$/, '')
        .replace(/"[^"]*"|'[^']*'/g, 'x')
        .trim()
      out.push({ page, line })
    }
  }
  return out
}

describe('documented CLI forms', () => {
  it('the checker finds a subcommand in the wrong place and an option a command lacks', async () => {
    expect((await checkLine('lineage <dir> show|regression|export')).join('\n')).toMatch(/after "entrenar lineage" the CLI expects one of show, regression, export, got "<dir>"/)
    expect((await checkLine('runs <dir> --format md')).join('\n')).toMatch(/"entrenar runs" has no option --format/)
    expect(await checkLine('andon check [renacer.toml] | backtest <dir> [--config renacer.toml] [--run id]')).toEqual([])
  })

  it('the root README names commands in order and only their options', async () => {
    const forms = await readmeForms()
    expect(forms.length).toBeGreaterThanOrEqual(10)
    const problems = (await Promise.all(forms.map(checkLine))).flat()
    expect(problems).toEqual([])
  })

  it('the entrenar README CLI block does too', async () => {
    const forms = packageForms()
    expect(forms.length).toBeGreaterThanOrEqual(15)
    const problems = (await Promise.all(forms.map(checkLine))).flat()
    expect(problems).toEqual([])
  })

  it('so does every other page', async () => {
    const lines = everyPageLines()
    expect(lines.length).toBeGreaterThanOrEqual(40)
    const problems = (await Promise.all(lines.map(async ({ page, line }) => (await checkLine(line)).map((p) => `${page}: ${p}`)))).flat()
    expect(problems).toEqual([])
  })

  it('getting-started does too', async () => {
    const lines = gettingStartedLines()
    expect(lines.length).toBeGreaterThanOrEqual(8)
    const problems = (await Promise.all(lines.map((l) => checkLine(l.replace(/"[^"]*"/g, '"sql"'))))).flat()
    expect(problems).toEqual([])
  })
})

describe('getting-started, typed as written after `npx entrenar demo` in an empty directory', () => {
  const home = process.cwd()
  let work: string
  let diverging: string
  let runs: { runId: string; learningRate: number; status: string; steps: number; valAccuracy: number }[]
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'entrenar-newcomer-'))
    process.chdir(work)
    const demo = await cli(['--json', 'demo'])
    expect(demo.code).toBe(0)
    runs = (JSON.parse(demo.out) as { runs: typeof runs }).runs
    diverging = runs.find((r) => r.status === 'stopped')!.runId
  }, 120_000)
  afterAll(() => process.chdir(home))

  it('the sample table shows what the demo prints (it is seeded): learning rate, status, steps, validation accuracy', () => {
    const rows = [...read('docs/getting-started.md').matchAll(/^spiral-\S+\s+(\S+)\s+(\S+)\s+(\d+)\s+(\S+)\s+\S+$/gm)].map((m) => [Number(m[1]), m[2], Number(m[3]), Number(m[4])])
    expect(rows).toEqual(runs.map((r) => [r.learningRate, r.status, r.steps, Number(r.valAccuracy.toPrecision(5))]))
  })

  it('every command of "Look at what was stored" exits 0', async () => {
    const lines = gettingStartedLines().filter((l) => l !== 'demo')
    expect(lines.length).toBeGreaterThanOrEqual(7)
    const failures: string[] = []
    for (const line of lines) {
      // `<run id>` is the diverging run's; the web dashboard takes any free port and stops at once.
      const argv = (line.replace('<run id>', diverging).replace('--port 6006', '--port 0').match(/"[^"]*"|\S+/g) ?? []).map((t) => t.replace(/^"(.*)"$/, '$1'))
      let out = ''
      let err = ''
      const { runCli } = await import('../src/index.js')
      const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env: { NO_COLOR: '1' }, signal: AbortSignal.abort() })
      if (code !== 0) failures.push(`npx entrenar ${line} → exit ${code}: ${err.trim() || out.trim()}`)
    }
    expect(failures).toEqual([])
  }, 180_000)
})
