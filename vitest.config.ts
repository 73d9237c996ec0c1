import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Tests run against src/ (not dist/): every workspace package's exports are aliased to its sources.
const root = fileURLToPath(new URL('.', import.meta.url))
const alias: { find: string; replacement: string }[] = []
for (const dir of readdirSync(`${root}packages`)) {
  const pkg = JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8')) as { name: string; exports?: Record<string, unknown> }
  const subpaths = Object.keys(pkg.exports ?? {}).filter((k) => k !== '.' && k !== './package.json')
  for (const sub of subpaths) {
    const file = sub.slice(2)
    alias.push({ find: `${pkg.name}/${file}`, replacement: `${root}packages/${dir}/src/${file === 'conformance' || file === 'stats' ? `${file}/index` : file}.ts` })
  }
  alias.push({ find: pkg.name, replacement: `${root}packages/${dir}/src/index.ts` })
}
// Longest names first so `@entrenar/core/conformance` wins over `@entrenar/core`.
alias.sort((a, b) => b.find.length - a.find.length)

export default defineConfig({
  resolve: { alias: alias.map((a) => ({ find: new RegExp(`^${a.find.replace(/[/.]/g, '\\$&')}$`), replacement: a.replacement })) },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'rust/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
    },
  },
})
