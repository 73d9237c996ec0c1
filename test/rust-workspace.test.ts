import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

// `npm test` covers the Rust workspace too: its unit tests run offline from the vendored crates.
// cwd rust/: cargo reads rust/.cargo/config.toml (offline, vendored sources) from the working directory.
const workspace = fileURLToPath(new URL('../rust', import.meta.url))

it('cargo test --offline passes for the rust/ workspace', { timeout: 900_000 }, () => {
  const r = spawnSync('cargo', ['test', '--offline', '--quiet'], { cwd: workspace, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').slice(-60).join('\n')
  expect(r.error, 'cargo is required (the Rust workspace is part of the build)').toBeUndefined()
  expect(r.status, tail).toBe(0)
  expect(r.stdout).toMatch(/test result: ok/)
})
