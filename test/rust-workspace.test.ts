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

// Style gates of rust/drift (the other crates run their own): rustfmt and clippy come with the rustup
// toolchain; where a toolchain lacks them the checks are skipped, in CI they are required.
const has = (tool: string) => spawnSync('cargo', [tool, '--version'], { cwd: workspace }).status === 0

it.skipIf(!has('fmt') && !process.env.CI)('cargo fmt --check is clean for rust/drift', () => {
  const r = spawnSync('cargo', ['fmt', '-p', 'entrenar-drift', '--check'], { cwd: workspace, encoding: 'utf8' })
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0)
})

it.skipIf(!has('clippy') && !process.env.CI)('cargo clippy -D warnings is clean for rust/drift', { timeout: 900_000 }, () => {
  const r = spawnSync('cargo', ['clippy', '--offline', '--quiet', '-p', 'entrenar-drift', '--all-targets', '--', '-D', 'warnings'], { cwd: workspace, encoding: 'utf8' })
  expect(r.status, `${r.stdout}${r.stderr}`.slice(-4000)).toBe(0)
})
