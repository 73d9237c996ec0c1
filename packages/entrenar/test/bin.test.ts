// `npx entrenar` on a fresh clone: npm links a workspace bin at install time only if its target exists
// then, and `npm ci` takes the bin from package-lock.json. So the target must be a committed file (not
// dist/, built later) named the same in both, and it must run the built CLI or say how to build it.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from './helpers.js'

const pkgDir = join(import.meta.dirname, '..')
const root = join(pkgDir, '..', '..')
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] }
const launcher = join(pkgDir, pkg.bin.entrenar!)
const run = (file: string, args: string[]) => spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })

describe('the entrenar bin', () => {
  it('is a committed file outside dist/, the same in package.json and package-lock.json, and shipped', () => {
    expect(pkg.bin.entrenar).toBe('./bin/entrenar.js')
    const tracked = execFileSync('git', ['ls-files', '--', 'packages/entrenar/bin/entrenar.js'], { cwd: root, encoding: 'utf8' }).trim()
    expect(tracked).toBe('packages/entrenar/bin/entrenar.js')
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { bin?: Record<string, string> }> }
    expect(lock.packages['packages/entrenar']?.bin).toEqual({ entrenar: 'bin/entrenar.js' })
    expect(pkg.files).toContain('bin')
    expect(readFileSync(launcher, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
  })

  it('a fresh clone of HEAD holds the launcher before any build, and it says how to build (exit 69)', () => {
    const clone = join(tempDir('entrenar-clone-'), 'repo')
    execFileSync('git', ['clone', '-q', '--no-checkout', root, clone])
    execFileSync('git', ['checkout', '-q', execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(), '--', 'packages/entrenar', 'package-lock.json'], { cwd: clone })
    const target = join(clone, 'packages', 'entrenar', 'bin', 'entrenar.js')
    expect(existsSync(target)).toBe(true)
    expect(existsSync(join(clone, 'packages', 'entrenar', 'dist'))).toBe(false)
    const r = run(target, ['--help'])
    expect(r.status).toBe(69)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/the CLI is not built yet/)
    expect(r.stderr).toMatch(/npm run build/)
  })

  it('a partial build (a dependency without dist/) gives the same hint instead of a stack trace', () => {
    const dir = tempDir('entrenar-partial-')
    mkdirSync(join(dir, 'bin'))
    mkdirSync(join(dir, 'dist'))
    copyFileSync(launcher, join(dir, 'bin', 'entrenar.js'))
    writeFileSync(join(dir, 'dist', 'cli.js'), "import '../missing/dist/index.js'\n")
    const r = run(join(dir, 'bin', 'entrenar.js'), ['--help'])
    expect(r.status).toBe(69)
    expect(r.stderr).toMatch(/not built yet .*missing[\\/]dist[\\/]index\.js/)
  })

  it('an error of the CLI itself is not mistaken for a missing build', () => {
    const dir = tempDir('entrenar-broken-')
    mkdirSync(join(dir, 'bin'))
    mkdirSync(join(dir, 'dist'))
    copyFileSync(launcher, join(dir, 'bin', 'entrenar.js'))
    writeFileSync(join(dir, 'dist', 'cli.js'), "throw new Error('boom in cli')\n")
    const r = run(join(dir, 'bin', 'entrenar.js'), [])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/boom in cli/)
    expect(r.stderr).not.toMatch(/not built/)
  })

  it.skipIf(!existsSync(join(pkgDir, 'dist', 'cli.js')))('runs the built CLI with its arguments and exit code', () => {
    const v = run(launcher, ['--version'])
    expect(v.status).toBe(0)
    expect(v.stdout).toBe(`${JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version}\n`)
    const help = run(join(root, 'node_modules', '.bin', 'entrenar'), ['--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/runs (\[options\] )?<dir>/)
    const bad = run(launcher, ['frobnicate'])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/unknown command 'frobnicate'/)
  })

  it('a reader that goes away (`entrenar runs | head`) ends the output quietly, with the command\'s exit code', async () => {
    const dir = join(tempDir('entrenar-epipe-'), 'runs')
    expect(run(launcher, ['generate', dir, '--runs', '40', '--metrics', '2', '--steps', '20', '--seed', '1']).status).toBe(0)
    const child = spawn(process.execPath, [launcher, 'runs', dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
    // The pipe's reading end is closed before the CLI has started, so its first write meets EPIPE.
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at /)
    expect(code).toBe(0)
  })
})

