import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'

// The web dashboard runs these detectors in a browser: src/ may import only @entrenar/core, its
// browser-safe `stats` subpath, and itself.
it('src/ imports no Node built-in and no other package', () => {
  const root = new URL('../src/', import.meta.url).pathname
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'))
  expect(files.length).toBeGreaterThan(10)
  for (const f of files) {
    const text = readFileSync(join(root, f), 'utf8')
    for (const m of text.matchAll(/from '([^']+)'/g)) {
      const spec = m[1]!
      expect(spec.startsWith('.') || spec === '@entrenar/core' || spec === '@entrenar/core/stats', `${f} imports ${spec}`).toBe(true)
    }
    expect(/\bprocess\.|\bBuffer\b|\brequire\(/.test(text), `${f} uses a Node global`).toBe(false)
  }
})
