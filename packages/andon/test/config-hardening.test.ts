import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAndon, loadRenacerConfig, parseRenacerConfig } from '@entrenar/andon'
import { EntrenarError } from '@entrenar/core'
import { describe, expect, it } from 'vitest'

const temp = (p: string) => mkdtempSync(join(tmpdir(), `andon-${p}-`))

/** The coded error `f` throws (fails the test when it throws nothing or something else). */
function codeOf(f: () => unknown): EntrenarError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(EntrenarError)
    return e as EntrenarError
  }
  throw new Error('expected a coded error')
}

const ASSERTION = '[[assertion]]\nname = "step"\ntype = "critical_path"\nmax_duration_ms = 100\n'

describe('renacer.toml: own-property lookups only', () => {
  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    it(`${key} is an unknown key wherever it appears`, () => {
      for (const text of [
        `[andon]\n${key} = 1\n`,
        `[andon.divergence]\nthreshold = 10\n${key} = 1\n`,
        `${ASSERTION}${key} = 1\n`,
        `[[andon.handler]]\ntype = "console"\n${key} = 1\n`,
        `[[andon.silence]]\nmatchers = ['rule="plateau"']\nduration = "1h"\ncomment = "x"\n${key} = 1\n`,
        `${key} = 1\n`,
      ]) {
        const e = codeOf(() => parseRenacerConfig(text))
        expect(e.code, text).toBe('ENTRENAR_INVALID_CONFIG')
        expect(e.message, text).toMatch(/unknown|not a key/)
      }
    })
  }

  it('type = "__proto__" (or constructor, toString) is a config error, not ENTRENAR_INTERNAL', () => {
    for (const t of ['__proto__', 'constructor', 'toString']) {
      const assertion = codeOf(() => parseRenacerConfig(`[[assertion]]\nname = "a"\ntype = "${t}"\n`))
      expect(assertion.code).toBe('ENTRENAR_INVALID_CONFIG')
      expect(assertion.message).toContain('unknown assertion type')
      const handler = codeOf(() => parseRenacerConfig(`[[andon.handler]]\ntype = "${t}"\n`))
      expect(handler.code).toBe('ENTRENAR_INVALID_CONFIG')
    }
  })
})

describe('renacer.toml: size and depth limits, short excerpts', () => {
  it('more than 1 MiB is refused before parsing, as text or as a file (an 18 MB file is never reported valid)', () => {
    const big = `# ${'x'.repeat(1024 * 1024)}\n${ASSERTION}`
    expect(codeOf(() => parseRenacerConfig(big))).toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG', details: { max_bytes: 1024 * 1024 } })
    const file = join(temp('big'), 'renacer.toml')
    writeFileSync(file, `${ASSERTION}[ci]\nx = [${'1, '.repeat(6_000_000)}1]\n`)
    const e = codeOf(() => loadRenacerConfig(file))
    expect(e).toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG', details: { source: file, max_bytes: 1024 * 1024 } })
    expect(e.message).toContain('at most 1048576')
    // Multi-byte text is measured in bytes.
    expect(codeOf(() => parseRenacerConfig(`# ${'é'.repeat(600_000)}\n`)).code).toBe('ENTRENAR_INVALID_CONFIG')
    expect(parseRenacerConfig(`# ${'x'.repeat(1000)}\n${ASSERTION}`).budgets).toHaveLength(1)
  })

  it('nesting deeper than 32 is a coded error (inline arrays and tables, and dotted table headers)', () => {
    const arrays = `[ci]\nx = ${'['.repeat(5000)}${']'.repeat(5000)}\n`
    expect(codeOf(() => parseRenacerConfig(arrays)).code).toBe('ENTRENAR_INVALID_CONFIG')
    const tables = `[ci]\nx = ${'{ a = '.repeat(100)}1${' }'.repeat(100)}\n`
    expect(codeOf(() => parseRenacerConfig(tables)).code).toBe('ENTRENAR_INVALID_CONFIG')
    const dotted = `[ci.${Array.from({ length: 40 }, (_, i) => `k${i}`).join('.')}]\nx = 1\n`
    expect(codeOf(() => parseRenacerConfig(dotted))).toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG', details: { max_depth: 32 } })
    // What the file's own tables need passes.
    expect(parseRenacerConfig(`[[andon.silence]]\nmatchers = ['rule="plateau"']\nduration = "1h"\ncomment = "x"\n[ci]\nx = [[[1]]]\n`).andon.silences).toHaveLength(1)
  })

  it('error messages quote a long value or key only as an excerpt', () => {
    const value = 'v'.repeat(900_000)
    for (const text of [`[andon]\nthrottle_ms = "${value}"\n`, `[andon.divergence]\nlevel = "${value}"\n`, `[[assertion]]\nname = "a"\ntype = "${value}"\n`, `[andon]\n${'k'.repeat(900_000)} = 1\n`]) {
      const e = codeOf(() => parseRenacerConfig(text))
      expect(e.code).toBe('ENTRENAR_INVALID_CONFIG')
      expect(e.message.length).toBeLessThan(700)
      expect(JSON.stringify(e.details ?? {}).length).toBeLessThan(700)
    }
    const e = codeOf(() => parseRenacerConfig(`[andon]\nthrottle_ms = "${value}"\n`))
    expect(e.message).toContain('(a string of 900000 characters)')
  })
})

const jsonl = (path: string) => parseRenacerConfig(`[[andon.handler]]\ntype = "jsonl"\npath = ${JSON.stringify(path)}\n`)
const critical = { level: 'critical' as const, rule: 'manual', message: 'stop', timestampMs: 1 }

describe('file-writing handlers of a renacer.toml stay inside the store directory', () => {
  it('a relative path is relative to the store directory and is written there', async () => {
    const root = temp('root')
    const a = createAndon({ renacer: jsonl('alerts/andon.jsonl'), handlerFiles: { root }, timers: false })
    a.trigger(critical)
    await a.close()
    expect(readFileSync(join(root, 'alerts', 'andon.jsonl'), 'utf8')).toContain('"rule":"manual"')
  })

  it('../ traversal, absolute paths outside, and symbolic links that escape are refused with a coded error', () => {
    const root = temp('root')
    const outside = temp('outside')
    symlinkSync(outside, join(root, 'escape'))
    symlinkSync(join(outside, 'new.jsonl'), join(root, 'dangling.jsonl'))
    for (const path of ['../x.jsonl', 'a/../../x.jsonl', join(outside, 'x.jsonl'), '/etc/cron.d/x', 'escape/x.jsonl', 'dangling.jsonl', '.', root]) {
      const e = codeOf(() => createAndon({ renacer: jsonl(path), handlerFiles: { root }, timers: false }))
      expect(e.code, path).toBe('ENTRENAR_INVALID_CONFIG')
      expect(e.message, path).toContain('outside the store directory')
    }
    expect(existsSync(join(outside, 'x.jsonl'))).toBe(false)
    expect(existsSync(join(outside, 'new.jsonl'))).toBe(false)
  })

  it('a path outside is written when it was allowed explicitly (given on the command line)', async () => {
    const root = temp('root')
    const outside = join(temp('outside'), 'ops.jsonl')
    const a = createAndon({ renacer: jsonl(outside), handlerFiles: { root, allow: [outside] }, timers: false })
    a.trigger(critical)
    await a.close()
    expect(readFileSync(outside, 'utf8')).toContain('"level":"critical"')
    expect(codeOf(() => createAndon({ renacer: jsonl(`${outside}.other`), handlerFiles: { root, allow: [outside] }, timers: false })).code).toBe('ENTRENAR_INVALID_CONFIG')
  })

  it('a symbolic link swapped in after the check is not written through', async () => {
    const root = temp('root')
    const outside = temp('outside')
    const errors: unknown[] = []
    const a = createAndon({ renacer: jsonl('swap.jsonl'), handlerFiles: { root }, timers: false, onError: (e) => errors.push(e) })
    symlinkSync(join(outside, 'target.jsonl'), join(root, 'swap.jsonl'))
    a.trigger(critical)
    await a.close()
    expect(existsSync(join(outside, 'target.jsonl'))).toBe(false)
    expect(errors.length).toBeGreaterThan(0)
    rmSync(join(root, 'swap.jsonl'))
  })

  it('without handlerFiles, paths are used as given (library use is unchanged); bad handlerFiles are coded errors', async () => {
    const dir = temp('free')
    mkdirSync(join(dir, 'x'))
    const a = createAndon({ renacer: jsonl(join(dir, 'x', '..', 'free.jsonl')), timers: false })
    a.trigger(critical)
    await a.close()
    expect(existsSync(join(dir, 'free.jsonl'))).toBe(true)
    expect(codeOf(() => createAndon({ renacer: jsonl('a.jsonl'), handlerFiles: { root: '' }, timers: false })).code).toBe('ENTRENAR_INVALID_CONFIG')
    expect(codeOf(() => createAndon({ renacer: jsonl('a.jsonl'), handlerFiles: { root: dir, extra: 1 } as never, timers: false })).code).toBe('ENTRENAR_INVALID_CONFIG')
  })
})
