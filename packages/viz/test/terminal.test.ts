import { batchFromRows, createMemoryStore } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { createTerminalDashboard } from '../src/index.js'
import { fakeStream, incidents, stripAnsi, trainingBatch } from './helpers.js'

function frame(opts: { width: number; ascii?: boolean; color?: boolean; height?: number }) {
  const d = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false, width: opts.width, height: opts.height ?? 40, ascii: opts.ascii ?? false, color: opts.color ?? false })
  d.update({ batch: trainingBatch() })
  d.update({ incidents: incidents() })
  return d.render()
}

const width = (line: string) => Array.from(stripAnsi(line)).length

describe('terminal frames at fixed widths', () => {
  it('120 columns, braille: panels side by side, golden frame', async () => {
    const f = frame({ width: 120 })
    for (const line of f.split('\n')) expect(width(line)).toBe(120)
    expect(f).toContain('loss')
    expect(f).toContain('val_loss')
    expect(f).toMatch(/[\u2801-\u28ff]/) // braille dots
    expect(f).toContain('×') // the NaN marker in the loss chart
    expect(f).toContain('STOPPED at step 1400')
    await expect(f).toMatchFileSnapshot('./fixtures/terminal-120.txt')
  })

  it('80 columns: panels stacked, every line exactly 80 wide, golden frame', async () => {
    const f = frame({ width: 80 })
    for (const line of f.split('\n')) expect(width(line)).toBe(80)
    await expect(f).toMatchFileSnapshot('./fixtures/terminal-80.txt')
  })

  it('ASCII mode at 60 columns uses no braille and no box drawing', async () => {
    const f = frame({ width: 60, ascii: true })
    expect(f).not.toMatch(/[\u2800-\u28ff\u2500-\u257f]/)
    expect(f).toMatch(/x/) // NaN marker
    for (const line of f.split('\n')) expect(width(line)).toBe(60)
    await expect(f).toMatchFileSnapshot('./fixtures/terminal-ascii-60.txt')
  })

  it('stats table: mean/std/min/max/p99 and NaN counts per series', () => {
    const f = frame({ width: 140 })
    const line = f.split('\n').find((l) => l.startsWith('loss ') && /\d/.test(l))!
    expect(line).toBeDefined()
    const cells = line.trim().split(/\s+/)
    // series last mean std min max p99 n NaN ±Inf trend
    expect(cells[0]).toBe('loss')
    expect(cells[7]).toBe('2000')
    expect(cells[8]).toBe('1')
    expect(cells[9]).toBe('0')
    expect(f).toMatch(/series\s+last\s+mean\s+std\s+min\s+max\s+p99\s+n\s+NaN\s+±Inf\s+trend/)
  })

  it('alert timeline lists incidents with level, rule and decision', () => {
    const f = frame({ width: 100 })
    expect(f).toMatch(/step 800\s+WARNING\s+drift loss=2\.3 → warn/)
    expect(f).toMatch(/step 1400\s+CRITICAL\s+non_finite loss=NaN → stop/)
    const lane = f.split('\n').find((l) => l.startsWith('alerts '))!
    expect(lane).toContain('D')
    expect(lane).toContain('C')
  })

  it('colours when asked, none under NO_COLOR even on a TTY', () => {
    expect(frame({ width: 100, color: true })).toContain('\u001b[')
    const d = createTerminalDashboard({ stream: fakeStream({ isTTY: true }), live: false, env: { NO_COLOR: '1' }, width: 100 })
    d.update({ batch: trainingBatch() })
    expect(d.render()).not.toContain('\u001b[')
    const c = createTerminalDashboard({ stream: fakeStream({ isTTY: true }), live: false, env: {}, width: 100 })
    c.update({ batch: trainingBatch() })
    expect(c.render()).toContain('\u001b[')
  })

  it('never taller than the terminal: the table shortens, then panels go, the alerts stay', () => {
    const rows = []
    for (let i = 0; i < 200; i++) for (let m = 0; m < 12; m++) rows.push({ metric: `metric_${m}`, step: i, value: Math.sin(i / 10 + m), timestampUs: i, epoch: null, batch: null, tags: null })
    const d = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false, width: 80, height: 24 })
    d.update({ batch: batchFromRows('tall', rows) })
    d.update({ incidents: incidents(200) })
    const f = d.render().split('\n')
    expect(f.length).toBeLessThanOrEqual(24)
    expect(f.join('\n')).toMatch(/… \d+ more series/)
    expect(f.join('\n')).toContain('non_finite')
    expect(f.some((l) => l.startsWith('metric_0'))).toBe(true)
  })

  it('an empty dashboard says so', () => {
    const d = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false, width: 80 })
    expect(d.render()).toContain('No metrics recorded yet')
  })

  it('smoothing is applied before downsampling and named in the title', () => {
    const d = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false, width: 100, panels: [{ metrics: ['loss'], smoothing: { kind: 'ema', weight: 0.9 } }] })
    d.update({ batch: trainingBatch() })
    const f = d.render()
    expect(f).toContain('loss (ema)')
    expect(f).not.toBe(frame({ width: 100 }))
  })

  it('bounded memory: series thin themselves past maxPointsPerSeries, counts and stats stay exact', () => {
    const d = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false, width: 140, maxPointsPerSeries: 1024 })
    d.update({ batch: trainingBatch('long', 20_000) })
    const f = d.render()
    expect(f).toContain('40400 points')
    expect(f).toMatch(/^loss\s.*\s20000\s+1\s+0\s/m)
    expect(f).toContain('×')
    expect(() => createTerminalDashboard({ live: false, maxPointsPerSeries: 5 })).toThrow(/maxPointsPerSeries/)
  })

  it('a log panel labels decades', () => {
    const rows = Array.from({ length: 350 }, (_, i) => ({ metric: 'loss', step: i, value: 100 * 10 ** (-i / 100), timestampUs: i, epoch: null, batch: null, tags: null }))
    const d = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false, width: 80, height: 30, panels: [{ metrics: ['loss'], yScale: 'log' }] })
    d.update({ batch: batchFromRows('log', rows) })
    const f = d.render()
    expect(f).toContain('loss (log)')
    expect(f).toMatch(/^\s*100 ┤/m)
    expect(f).toMatch(/^\s*1 ┤/m)
    expect(f).toMatch(/^\s*0\.1 ┤/m)
  })

  it('fails fast on bad options', () => {
    expect(() => createTerminalDashboard({ refreshMs: 1, live: false })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    expect(() => createTerminalDashboard({ width: 0, live: false })).toThrow(/width/)
    expect(() => createTerminalDashboard({ panels: [{ metrics: [] }], live: false })).toThrow(/panel 0/)
    expect(() => createTerminalDashboard({ smoothing: { kind: 'ema', weight: 2 }, live: false })).toThrow(/weight/)
    expect(() => createTerminalDashboard({ panels: [{ metrics: ['loss'], yScale: 'ln' as never }], live: false })).toThrow(/yScale/)
  })
})

describe('terminal output', () => {
  it('non-TTY prints plain text: the table when data changed, each incident once, the full frame on close', async () => {
    const s = fakeStream({ isTTY: false, columns: 100 })
    const d = createTerminalDashboard({ stream: s, live: false })
    d.update({ batch: trainingBatch() })
    await d.refresh()
    await d.refresh() // nothing new: nothing written
    expect(s.writes.length).toBe(1)
    d.update({ batch: trainingBatch() })
    await d.refresh() // new rows, but the table was printed less than plainIntervalMs ago
    expect(s.writes.length).toBe(1)
    d.update({ incidents: incidents() })
    await d.refresh() // incidents are printed at once, without the table
    expect(s.writes.length).toBe(2)
    expect(s.writes[1]!.startsWith('ALERT step 800 WARNING drift')).toBe(true)
    await d.close()
    const out = s.writes.join('')
    expect(out).not.toContain('\u001b')
    expect(out.match(/ALERT step 1400 CRITICAL non_finite loss → stop: loss is NaN/g)?.length).toBe(1)
    expect(s.writes[0]).toMatch(/^Entrenar · run run-1/)
    expect(s.writes[0]).not.toMatch(/[\u2800-\u28ff]/)
    const last = s.writes[s.writes.length - 1]!
    expect(last).toContain('step') // the final frame has the charts (ASCII)
    expect(last).toMatch(/\+-{10,}/)
    await expect(d.write(trainingBatch())).rejects.toMatchObject({ code: 'ENTRENAR_CLOSED' })
  })

  it('on a TTY redraws in place through log-update, only when something changed', async () => {
    const s = fakeStream({ isTTY: true, columns: 90, rows: 40 })
    const d = createTerminalDashboard({ stream: s, live: false, env: {} })
    d.update({ batch: trainingBatch() })
    await d.refresh()
    const n = s.writes.length
    await d.refresh()
    expect(s.writes.length).toBe(n)
    d.update({ incidents: incidents() })
    await d.refresh()
    expect(s.writes.length).toBeGreaterThan(n)
    // log-update erases the previous frame before writing the next one (cursor up + erase line)
    const redraw = s.writes.slice(n).join('')
    expect(redraw.includes('\u001b[2K') || /\[\d*A/.test(redraw)).toBe(true)
    expect(d.frames).toBe(2)
    await d.close()
  })

  it('polls a store for new rows only, and an Andon for new incidents', async () => {
    const store = createMemoryStore()
    await store.write(trainingBatch('r1', 500))
    await store.flush()
    const history = incidents(500).slice(0, 1)
    const d = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false, source: store, alerts: { history: () => history }, width: 120 })
    await d.refresh()
    await d.refresh()
    expect(d.render()).toContain(' 1010 points') // 500 loss + 500 accuracy + 5 + 5 validation rows, no duplicates
    const more = trainingBatch('r1', 1000)
    // rows of steps 500..999 only (later timestamps)
    const rows = (await import('@entrenar/core')).batchToRows(more).filter((r) => r.step >= 500)
    await store.write((await import('@entrenar/core')).batchFromRows('r1', rows))
    await store.flush()
    history.push(incidents(1000)[1]!)
    await d.refresh()
    const f = d.render()
    expect(f).toContain(' 2020 points')
    expect(f).toContain('2 alerts')
    await d.close()
  })

  it('is a MetricSink: writes go into the frame', async () => {
    const d = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false, width: 100 })
    await d.write(trainingBatch('sink', 100))
    await d.flush()
    expect(d.render()).toContain('run sink')
    await d.close()
    await d.close()
  })

  it('the live timer redraws without being asked', async () => {
    const s = fakeStream({ isTTY: false })
    const d = createTerminalDashboard({ stream: s, refreshMs: 20 })
    d.update({ batch: trainingBatch('live', 50) })
    await new Promise((r) => setTimeout(r, 120))
    expect(s.writes.length).toBeGreaterThanOrEqual(1)
    await d.close()
  })
})

describe('system metrics panel', () => {
  it('draws sys/ series in a panel of their own, after the training panels', () => {
    const d = createTerminalDashboard({ stream: fakeStream({ isTTY: false }), live: false, width: 120, height: 50, color: false })
    const rows = []
    for (let step = 0; step < 50; step++) {
      rows.push({ metric: 'loss', value: 1 / (step + 1), step, timestampUs: step * 1000, epoch: null, batch: null, tags: null })
      if (step % 10 === 0) {
        rows.push({ metric: 'sys/cpu_user_percent', value: 40 + step, step, timestampUs: step * 1000, epoch: null, batch: null, tags: null })
        rows.push({ metric: 'sys/rss_bytes', value: 1e8 + step * 1e6, step, timestampUs: step * 1000, epoch: null, batch: null, tags: null })
      }
    }
    d.update({ batch: batchFromRows('r', rows) })
    const f = d.render()
    expect(f).toContain('system (%)')
    expect(f.indexOf('system (%)')).toBeGreaterThan(f.indexOf('loss'))
    // the RSS (bytes) is not drawn on the percent axis but stays in the stats table
    const table = f.split('\n').filter((l) => l.startsWith('sys/rss_bytes '))
    expect(table.length).toBeGreaterThan(0)
  })
})
