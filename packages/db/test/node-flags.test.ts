// The built store under the flags a user runs Node with: `-e`, `--input-type=module`, `-p`, loaders. The
// encoding worker must start anyway, so the rows reach Parquet and not only the WAL.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore } from '../src/index.js'
import { tempDir } from './helpers/fixtures.js'

const root = join(import.meta.dirname, '..', '..', '..')
const built = existsSync(join(import.meta.dirname, '..', 'dist', 'encode-worker.js'))

/** The program each child runs: 3 runs of 5 000 rows, sealed, then a JSON line with what the store saw. */
const program = (dir: string) => `
  const { openStore } = await import('@entrenar/db')
  const { batchFromRows } = await import('@entrenar/core')
  const store = await openStore(${JSON.stringify(dir)}, { segmentRows: 4000 })
  for (const run of ['a', 'b', 'c']) {
    const rows = []
    for (let i = 0; i < 5000; i++) rows.push({ metric: 'loss', value: i === 9 ? NaN : 1 / (i + 1), step: i, timestampUs: 1.7e15 + i, epoch: null, batch: null, tags: null })
    await store.write(batchFromRows(run, rows))
  }
  await store.seal()
  const stats = store.stats()
  await store.close()
  process.stdout.write(JSON.stringify({ threaded: stats.threadedEncoding, deaths: stats.encoderWorkerDeaths, problems: store.problems().map((p) => p.message) }) + '\\n')
`

describe.skipIf(!built)('the built store under node -e and friends', () => {
  const loader = join(tempDir('loader'), 'noop-loader.mjs')
  writeFileSync(loader, 'globalThis.loaderRan = true\n')
  const cases: [string, (dir: string) => string[]][] = [
    ['--input-type=module -e', (dir) => ['--input-type=module', '-e', program(dir)]],
    ['--eval (CommonJS, dynamic import)', (dir) => [`--eval=(async () => { ${program(dir)} })()`]],
    ['-p', (dir) => ['-p', `(async () => { ${program(dir)} })() && ''`]],
    ['--import loader with -e', (dir) => ['--import', loader, '--max-old-space-size=512', '--input-type=module', '-e', program(dir)]],
  ]
  for (const [name, args] of cases) {
    it(`${name}: segments written on the worker thread, readable by DuckDB, no WAL left`, async () => {
      const dir = tempDir('flags')
      const r = spawnSync(process.execPath, args(dir), { cwd: root, encoding: 'utf8' })
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
      const report = JSON.parse(r.stdout.trim().split('\n').find((l) => l.startsWith('{'))!)
      expect(report).toEqual({ threaded: true, deaths: 0, problems: [] })
      expect(readdirSync(join(dir, 'wal')).filter((f) => f.endsWith('.wal'))).toEqual([])
      // Read the Parquet files alone: no WAL replay (recoverWal false), DuckDB over the segments.
      const reader = await openStore(dir, { recoverWal: false })
      const res = await reader.sql(`SELECT run_id, count(*)::DOUBLE, count(*) FILTER (WHERE isnan(value))::DOUBLE FROM metrics GROUP BY ALL ORDER BY run_id`)
      expect(res.rows).toEqual([
        ['a', 5000, 1],
        ['b', 5000, 1],
        ['c', 5000, 1],
      ])
      await reader.close()
    }, 60_000)
  }
})
