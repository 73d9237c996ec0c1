import { createMemoryStore, type RunInfo } from '@entrenar/core'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { htmlReportFromStore, renderHtmlReport, saveHtmlReport } from '../src/index.js'
import { incidents, trainingBatch } from './helpers.js'

const run: RunInfo = {
  id: 'run-1',
  name: 'resnet <tiny>',
  status: 'stopped',
  startTimeMs: 1_700_000_000_000,
  endTimeMs: 1_700_000_754_000,
  host: 'gpu-7',
  gitRevision: 'abc123',
  reason: 'non_finite: loss is NaN',
  config: { lr: 0.001, note: '</pre><script>alert(1)</script>' },
}

describe('renderHtmlReport', () => {
  it('is one self-contained file: inline SVG, stats, alerts, config; no script, no external resource', async () => {
    const html = renderHtmlReport({ run, batches: [trainingBatch()], incidents: incidents() })
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html.match(/<svg /g)?.length).toBe(2)
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/\b(src|href)=/i)
    // the only URL is the SVG namespace, which is never fetched
    expect(html.match(/https?:\/\/[^"]+/g)?.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true)
    expect(html).toContain("default-src 'none'")
    expect(html).toContain('resnet &lt;tiny&gt;')
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;')
    expect(html).toContain('12 min 34 s')
    expect(html).toContain('2023-11-14 22:13:20 UTC')
    // stats row of loss: 2000 rows and one NaN, flagged
    expect(html).toMatch(/<tr><td>loss<\/td><td>2000<\/td>.*<td class="bad">1<\/td><td>0<\/td><td>0<\/td><\/tr>/)
    expect(html).toMatch(/<td class="lvl-critical">critical<\/td><td>non_finite<\/td><td>loss<\/td><td class="num">NaN<\/td><td>stop<\/td>/)
    await expect(html).toMatchFileSnapshot('./fixtures/report.html')
  })

  it('is reproducible, and dates the footer only when asked', () => {
    const a = renderHtmlReport({ run, batches: trainingBatch() })
    expect(a).toBe(renderHtmlReport({ run, batches: trainingBatch() }))
    expect(a).not.toContain('generated')
    expect(renderHtmlReport({ run, batches: trainingBatch(), generatedAtMs: 1_700_000_000_000 })).toContain('generated 2023-11-14 22:13:20 UTC')
  })

  it('without data or alerts it still renders a page that says so', () => {
    const html = renderHtmlReport({ batches: [] })
    expect(html).toContain('No metrics recorded.')
    expect(html).toContain('No incidents.')
  })

  it('escapes any text it is given: no markup can enter through names, rules or messages', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (rule, message, name) => {
        const html = renderHtmlReport({
          title: name,
          batches: [],
          incidents: [{ level: 'error', rule, message, metric: name, step: 1, timestampMs: 0, decision: 'stop' }],
          run: { id: 'r', status: 'failed', startTimeMs: 0, reason: message, config: { [name]: rule } },
        })
        // every "<" in the file starts one of our own tags
        for (const m of html.matchAll(/<(\/?)([^\s>/]*)/g)) expect(['!doctype', 'html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'div', 'span', 'p', 'b', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'pre', 'footer']).toContain(m[2])
      }),
      { numRuns: 100 },
    )
  })

  it('rejects what is not a batch', () => {
    expect(() => renderHtmlReport({ batches: [{ nope: 1 } as never] })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
  })

  it('reads a run from a store and saves the file', async () => {
    const store = createMemoryStore()
    await store.putRun(run)
    await store.write(trainingBatch('run-1', 300))
    await store.write(trainingBatch('other', 300))
    await store.flush()
    const html = await htmlReportFromStore(store, 'run-1', { incidents: incidents(300) })
    expect(html).toContain('<tr><td>loss</td><td>300</td>')
    expect(html).not.toContain('[other]')
    await expect(htmlReportFromStore(store, 'missing')).rejects.toMatchObject({ code: 'ENTRENAR_NOT_FOUND' })
    const dir = await mkdtemp(join(tmpdir(), 'viz-html-'))
    try {
      await saveHtmlReport(join(dir, 'r.html'), { run, batches: trainingBatch('run-1', 100) })
      expect(await readFile(join(dir, 'r.html'), 'utf8')).toContain('<svg ')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
