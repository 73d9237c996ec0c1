// The incident-log reader shared by the CLI and the web dashboard: every damaged or oversized line is
// coded and counted (never dropped silently), chunk boundaries change nothing, memory stays bounded.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { incidentsPath } from '@entrenar/andon'
import { type IncidentLog, type IncidentLogOptions, readIncidentLog as readAsync, readIncidentLogSync } from '@entrenar/andon/node'
import { describe, expect, it } from 'vitest'

const dir = (): string => mkdtempSync(join(tmpdir(), 'andon-log-'))
const inc = (o: Record<string, unknown>): string => JSON.stringify({ level: 'error', rule: 'nan', message: 'm', timestamp_ms: 5, decision: 'stop', ...o })

const LINES = [
  inc({ run_id: 'r1', value: 'NaN', step: 3 }), // 1
  '', // 2: blank, ignored
  '{"level":"error","rule":', // 3: torn, not JSON
  inc({ run_id: 'r2', silenced_by: ['s1'] }), // 4
  '[1,2]', // 5: JSON, not an incident
  JSON.stringify({ level: 'loud', rule: 'x', message: 'm' }), // 6: unknown level
  `${inc({ run_id: 'r1', message: 'x'.repeat(300) })}`, // 7: longer than 200 bytes
  `${inc({ run_id: 'r1', metric: 'loss' })}\r`, // 8: CRLF
]
const TEXT = `${LINES.join('\n')}\n${inc({ run_id: 'r2', step: 9 })}` // 9: last line without newline

const readers: [string, (path: string, options?: IncidentLogOptions) => Promise<IncidentLog>][] = [
  ['readIncidentLog', readAsync],
  ['readIncidentLogSync', async (path, options) => readIncidentLogSync(path, options)],
]

describe.each(readers)('%s', (_name, readIncidentLog) => {
  it('reads incidents and codes, counts and locates every line that is not one', async () => {
    const path = join(dir(), 'incidents.jsonl')
    writeFileSync(path, TEXT)
    const log = await readIncidentLog(path, { maxLineBytes: 200 })
    expect(log.incidents.map((i) => [i.runId, i.step, i.metric, i.silencedBy])).toEqual([
      ['r1', 3, undefined, undefined],
      ['r2', undefined, undefined, ['s1']],
      ['r1', undefined, 'loss', undefined],
      ['r2', 9, undefined, undefined],
    ])
    expect(Number.isNaN(log.incidents[0]!.value)).toBe(true)
    expect(log.unreadable).toBe(4)
    expect(log.tooLong).toBe(1)
    const offset = (n: number) => Buffer.byteLength(LINES.slice(0, n - 1).map((l) => `${l}\n`).join(''))
    expect(log.problems.map((p) => [p.code, p.line, p.offset])).toEqual([
      ['ENTRENAR_ANDON_LINE_NOT_JSON', 3, offset(3)],
      ['ENTRENAR_ANDON_LINE_NOT_INCIDENT', 5, offset(5)],
      ['ENTRENAR_ANDON_LINE_NOT_INCIDENT', 6, offset(6)],
      ['ENTRENAR_ANDON_LINE_TOO_LONG', 7, offset(7)],
    ])
    expect(log.bytes).toBe(Buffer.byteLength(TEXT))
  })

  it('filters by run without counting other runs as problems', async () => {
    const path = join(dir(), 'incidents.jsonl')
    writeFileSync(path, TEXT)
    const log = await readIncidentLog(path, { runId: 'r2', maxLineBytes: 200 })
    expect(log.incidents.map((i) => i.step)).toEqual([undefined, 9])
    expect(log.unreadable).toBe(4)
  })

  it('gives the same answer for every chunk size (lines split at every byte)', async () => {
    const path = join(dir(), 'incidents.jsonl')
    writeFileSync(path, TEXT)
    const whole = await readIncidentLog(path, { maxLineBytes: 200 })
    for (let chunkBytes = 1; chunkBytes <= 300; chunkBytes += chunkBytes < 40 ? 1 : 37) {
      const log = await readIncidentLog(path, { maxLineBytes: 200, chunkBytes })
      expect({ chunkBytes, log: { ...log, maxBufferedBytes: 0 } }).toEqual({ chunkBytes, log: { ...whole, maxBufferedBytes: 0 } })
    }
  })

  it('holds one chunk and one capped line whatever the file: an 8 MiB line is counted, not buffered', async () => {
    const path = join(dir(), 'incidents.jsonl')
    const body = `${Array.from({ length: 2000 }, (_, i) => inc({ step: i })).join('\n')}\n${'y'.repeat(8 << 20)}\n${inc({ step: 2000 })}\n`
    writeFileSync(path, body)
    const log = await readIncidentLog(path, { chunkBytes: 4096, maxLineBytes: 1024 })
    expect(log.incidents).toHaveLength(2001)
    expect(log.problems).toEqual([{ code: 'ENTRENAR_ANDON_LINE_TOO_LONG', line: 2001, offset: body.indexOf('y'), reason: 'longer than 1024 bytes, skipped unread' }])
    expect(log.bytes).toBe(body.length)
    expect(log.maxBufferedBytes).toBeLessThanOrEqual(4096 + 1024)
  })

  it('lists at most maxProblems and counts the rest', async () => {
    const path = join(dir(), 'incidents.jsonl')
    writeFileSync(path, `${'garbage\n'.repeat(500)}${inc({})}\n`)
    const log = await readIncidentLog(path, { maxProblems: 3 })
    expect(log.unreadable).toBe(500)
    expect(log.problems.map((p) => p.line)).toEqual([1, 2, 3])
    expect(log.incidents).toHaveLength(1)
  })

  it('reads a missing file as empty and refuses unknown or bad options', async () => {
    expect(await readIncidentLog(incidentsPath(dir()))).toMatchObject({ incidents: [], unreadable: 0, bytes: 0 })
    await expect(readIncidentLog('x', { limit: 1 } as never)).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(readIncidentLog('x', { chunkBytes: 0 })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
    await expect(readIncidentLog('x', { maxLineBytes: Number.NaN })).rejects.toMatchObject({ code: 'ENTRENAR_INVALID_CONFIG' })
  })
})
