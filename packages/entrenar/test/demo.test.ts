import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEMO_MIN_EPOCHS } from '../src/commands/demo.js'
import { runCli } from '../src/index.js'
import { cli, fakeTerminal, tempDir } from './helpers.js'

describe('entrenar demo', () => {
  it('trains a healthy run and a diverging run stopped by the Andon, with reports, lineage and incidents', async () => {
    const dir = tempDir()
    const r = await cli(['--json', 'demo', '--dir', dir, '--epochs', '8', '--no-dashboard'])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const res = JSON.parse(r.out) as { runs: { runId: string; status: string; stoppedAt: number | null; verdict: string; findings: string[]; report: string }[] }
    const [healthy, diverging] = res.runs
    expect(healthy!.status).toBe('finished')
    expect(healthy!.stoppedAt).toBeUndefined()
    expect(diverging!.status).toBe('stopped')
    expect(diverging!.verdict).toBe('failed')
    expect(existsSync(diverging!.report)).toBe(true)
    expect(readFileSync(diverging!.report, 'utf8')).toContain('# Hansei report')
    expect(existsSync(join(dir, 'andon', 'incidents.jsonl'))).toBe(true)
    expect(existsSync(join(dir, 'lineage'))).toBe(true)
    const runs = await cli(['--json', 'runs', dir])
    expect(runs.code).toBe(0)
    const listed = JSON.parse(runs.out) as { runs: { id: string; status: string; points: number }[] }
    expect(listed.runs.map((x) => x.status).sort()).toEqual(['finished', 'stopped'])
    expect(listed.runs.every((x) => x.points > 0)).toBe(true)
  })

  it('prints the runs, their findings and what to run next; draws the live dashboard on the given terminal', async () => {
    const dir = tempDir()
    let out = ''
    const terminal = fakeTerminal()
    const code = await runCli(['demo', '--dir', dir, '--epochs', '6', '--dashboard'], { out: (t) => (out += t), err: () => {}, env: { NO_COLOR: '1' }, terminal })
    expect(code).toBe(0)
    expect(out).toMatch(/^Entrenar demo: a 2-32-3 MLP on the spiral data set, monitored into /)
    expect(out).toMatch(/spiral-healthy-\d+\s+1\s+finished\s+\d+/)
    expect(out).toMatch(/spiral-diverging-\d+\s+12\s+stopped/)
    expect(out).toMatch(/spiral-diverging-\d+: failed, stopped at step \d+: /)
    expect(out).toMatch(/ {2}report: .*reports\/spiral-diverging-\d+\.md/)
    expect(out).toMatch(/\nNext: npx entrenar runs .* · npx entrenar report .*spiral-diverging-\d+ --format html/)
    expect(out).not.toContain('\x1b[')
    expect(terminal.text).toContain('loss')
  })

  it('the commands under "Next:" run as printed (npx entrenar …) and write only inside the store directory', async () => {
    const work = tempDir('entrenar-demo-next-')
    const home = process.cwd()
    process.chdir(work)
    try {
      const demo = await cli(['demo', '--epochs', '6', '--no-dashboard'])
      expect(demo.code).toBe(0)
      const next = /\nNext: (.*)\n/.exec(demo.out)![1]!.split(' · ')
      expect(next).toHaveLength(3)
      for (const command of next) {
        expect(command.startsWith('npx entrenar ')).toBe(true)
        const r = await cli(command.slice('npx entrenar '.length).split(' '))
        expect({ command, code: r.code, err: r.err }).toEqual({ command, code: 0, err: '' })
      }
      // The default store is ./runs (git-ignored in a project that keeps it): nothing else was written.
      expect(readdirSync(work)).toEqual(['runs'])
      expect(readdirSync(join(work, 'runs'))).toEqual(expect.arrayContaining(['report.html', 'dash.png']))
    } finally {
      process.chdir(home)
    }
  }, 120_000)

  it('rejects an --epochs that is not a positive integer (exit 2)', async () => {
    for (const e of ['0', '-3', '2.5', 'many']) {
      const r = await cli(['--json', 'demo', '--dir', tempDir(), '--epochs', e])
      expect(r.code, e).toBe(2)
      expect(JSON.parse(r.out).error.message).toContain('--epochs')
    }
  })

  it('refuses fewer epochs than the diverging run needs to be stopped, and is stopped with the fewest it allows', async () => {
    // Before, `--epochs 1` trained both runs, then failed its own check ("diverging stopped: false").
    for (const e of ['1', '2']) {
      const dir = tempDir()
      const r = await cli(['--json', 'demo', '--dir', dir, '--epochs', e, '--no-dashboard'])
      expect(r.code, e).toBe(2)
      expect(JSON.parse(r.out).error.message).toContain(`at least ${DEMO_MIN_EPOCHS}`)
      expect(existsSync(dir) ? readdirSync(dir) : [], 'nothing trained').toEqual([])
    }
    const r = await cli(['--json', 'demo', '--dir', tempDir(), '--epochs', String(DEMO_MIN_EPOCHS), '--no-dashboard'])
    expect(r.code).toBe(0)
    const runs = JSON.parse(r.out).runs as { status: string; stoppedAt?: number }[]
    expect(runs.map((x) => x.status)).toEqual(['finished', 'stopped'])
    expect(runs[1]?.stoppedAt).toBeLessThan(DEMO_MIN_EPOCHS * 10)
  }, 120_000)
})
