import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { expect, it } from 'vitest'
import * as collector from '@entrenar/monitor/collector'

const packages = new URL('../../', import.meta.url).pathname

/**
 * Every module reachable from `entry` through static and dynamic imports, following relative imports and
 * `@entrenar/core` into its sources. Returns the files and every bare specifier met on the way.
 */
function moduleGraph(entry: string): { files: string[]; bare: { from: string; spec: string }[] } {
  const files: string[] = []
  const bare: { from: string; spec: string }[] = []
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    files.push(file)
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '')
    const specs = [
      ...text.matchAll(/^\s*(?:import|export)\b[^;'"`]*?\bfrom\s*'([^']+)'/gm), // static import / re-export
      ...text.matchAll(/^\s*import\s*'([^']+)'/gm), // side-effect import
      ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g), // dynamic import
    ]
    for (const m of specs) {
      const spec = m[1]!
      if (spec.startsWith('.')) {
        const ts = resolve(dirname(file), spec.replace(/\.js$/, '.ts'))
        visit(existsSync(ts) ? ts : join(ts.replace(/\.ts$/, ''), 'index.ts'))
      } else if (spec === '@entrenar/core') visit(join(packages, 'core/src/index.ts'))
      else bare.push({ from: file, spec })
    }
  }
  visit(entry)
  return { files, bare }
}

it('@entrenar/monitor/collector reaches no node: module, no other package and no Node global', () => {
  const { files, bare } = moduleGraph(join(packages, 'monitor/src/collector.ts'))
  expect(files.some((f) => f.endsWith('collector/ddsketch.ts'))).toBe(true)
  expect(files.some((f) => f.endsWith('core/src/index.ts'))).toBe(true) // the walk does enter core
  // core's own dependency (valibot, for the wire schemas) is the only bare import allowed
  expect(bare.filter((b) => b.spec !== 'valibot')).toEqual([])
  for (const f of files) {
    const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
    expect(/\bprocess\.|\bBuffer\b|\brequire\(|__dirname/.test(code), `${f} uses a Node global`).toBe(false)
  }
})

it('the graph walk does catch a node: import (it is not vacuous)', () => {
  const { bare } = moduleGraph(join(packages, 'monitor/src/pipeline/host.ts'))
  expect(bare.map((b) => b.spec)).toContain('node:os')
})

it('@entrenar/monitor/collector exports exactly the statistics', () => {
  expect(Object.keys(collector).sort()).toEqual(['DDSketch', 'MIN_INDEXABLE', 'MetricsCollector', 'Welford'])
  const w = new collector.Welford()
  for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) w.add(x)
  expect(w.mean).toBe(5)
})
