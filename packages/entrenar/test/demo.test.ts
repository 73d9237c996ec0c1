import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

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
})
