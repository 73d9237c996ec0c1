import { describe, expect, it } from 'vitest'
import { trainWithDashboard } from '../src/lib.js'

describe('plain TypeScript MLP with the live terminal dashboard', () => {
  it('redraws the dashboard while training and learns Iris', async () => {
    let text = ''
    const stream = {
      isTTY: true,
      columns: 100,
      rows: 32,
      write(chunk: string) {
        text += chunk
        return true
      },
    }
    const r = await trainWithDashboard({ epochs: 25, stream, refreshMs: 20, epochDelayMs: 5 })
    expect(r.summary.status).toBe('finished')
    expect(r.valAccuracy).toBeGreaterThan(0.8)
    expect(r.frames).toBeGreaterThan(1)
    expect(text).toContain('loss')
    expect(text).toContain('learning_rate')
    // braille chart cells (U+2800–U+28FF) were drawn
    expect(/[\u2801-\u28ff]/.test(text)).toBe(true)
  })
})
