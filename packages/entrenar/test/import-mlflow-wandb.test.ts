// `entrenar import mlflow` and `entrenar import wandb` over layouts written by
// test/fixtures/mlflow_wandb_writer.py, which follows MLflow's file store and W&B's run directory and
// CSV export formats with Python's own number formatting.
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { batchToRows } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import { describe, expect, it } from 'vitest'
import { parseCsv, parsePythonJson } from '../src/importers/wandb.js'
import { cli, tempDir } from './helpers.js'

const WRITER = join(import.meta.dirname, 'fixtures', 'mlflow_wandb_writer.py')

function write(spec: unknown): string {
  const root = tempDir('entrenar-src-')
  execFileSync('python3', [WRITER, root], { input: JSON.stringify(spec) })
  return root
}

async function contents(storeDir: string) {
  const store = await openStore(storeDir)
  try {
    return { runs: await store.runs(), rows: (await store.range(-Number.MAX_VALUE, Number.MAX_VALUE)).flatMap(batchToRows) }
  } finally {
    await store.close()
  }
}

const T0 = 1_700_000_000_000

const mlflowSpec = {
  mlflow: {
    experiments: [
      {
        id: '7',
        name: 'sweep',
        runs: [
          {
            id: '0123456789abcdef0123456789abcdef',
            name: '',
            status: 4,
            start: T0,
            end: T0 + 60_000,
            metrics: {
              loss: [
                [T0 + 1000, 0.5, 0],
                [T0 + 2000, 'NaN', 1],
                [T0 + 3000, 'Infinity', 2],
              ],
              'val/acc': [[T0 + 1500, 0.25, 0]],
            },
            params: { lr: '0.001', optimizer: 'adam', ['__proto__']: 'polluted?' },
            tags: { 'mlflow.runName': 'brave-owl-42', team: 'vision' },
          },
          { id: 'fedcba9876543210fedcba9876543210', name: 'second', status: 1, start: T0, metrics: { loss: [[T0 + 10, '-Infinity', 5]] } },
        ],
      },
    ],
  },
}

describe('import mlflow', () => {
  it('imports runs with names, params as config, tags, experiment, status and NaN/±Inf', async () => {
    const root = write(mlflowSpec)
    const store = tempDir()
    const r = await cli(['--json', 'import', 'mlflow', join(root, 'mlruns'), store])
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.out)
    expect(summary.points).toBe(5)
    expect(summary.skipped).toEqual([])
    const { runs, rows } = await contents(store)
    const a = runs.find((x) => x.id === 'mlflow-0123456789abcdef0123456789abcdef')!
    expect(a).toMatchObject({ name: 'brave-owl-42', status: 'failed', startTimeMs: T0, endTimeMs: T0 + 60_000 })
    expect(a.config).toMatchObject({ lr: '0.001', optimizer: 'adam', 'mlflow.tags': { 'mlflow.runName': 'brave-owl-42', team: 'vision' }, 'mlflow.experiment': { id: '7', name: 'sweep' } })
    // A param named __proto__ is kept as data, not swallowed by (or written into) a prototype.
    expect(Object.getOwnPropertyDescriptor(a.config, '__proto__')?.value).toBe('polluted?')
    const b = runs.find((x) => x.id === 'mlflow-fedcba9876543210fedcba9876543210')!
    expect(b).toMatchObject({ name: 'second', status: 'running' })
    const got = rows.filter((x) => x.runId === a.id).map((x) => [x.metric, x.step, x.value, x.timestampUs])
    expect(got).toEqual(
      expect.arrayContaining([
        ['loss', 0, 0.5, (T0 + 1000) * 1000],
        ['loss', 1, Number.NaN, (T0 + 2000) * 1000],
        ['loss', 2, Number.POSITIVE_INFINITY, (T0 + 3000) * 1000],
        ['val/acc', 0, 0.25, (T0 + 1500) * 1000],
      ]),
    )
    expect(rows.find((x) => x.runId === b.id)?.value).toBe(Number.NEGATIVE_INFINITY)
  })

  it('is idempotent, reports a malformed line with file and line number, and keeps the rest', async () => {
    const root = write(mlflowSpec)
    const store = tempDir()
    await cli(['import', 'mlflow', join(root, 'mlruns'), store])
    const again = JSON.parse((await cli(['--json', 'import', 'mlflow', join(root, 'mlruns'), store])).out)
    expect(again.runs.map((x: { action: string }) => x.action)).toEqual(['unchanged', 'unchanged'])
    expect((await contents(store)).rows).toHaveLength(5)
    const file = join(root, 'mlruns', '7', '0123456789abcdef0123456789abcdef', 'metrics', 'loss')
    appendFileSync(file, 'garbage line\n1700000009000 0.125 9\n')
    const grown = JSON.parse((await cli(['--json', 'import', 'mlflow', join(root, 'mlruns'), store])).out)
    expect(grown.skipped).toEqual([{ file: '7/0123456789abcdef0123456789abcdef/metrics/loss', line: 4, reason: 'not "timestamp value step": "garbage line"' }])
    expect(grown.runs.find((x: { id: string }) => x.id === 'mlflow-0123456789abcdef0123456789abcdef')).toMatchObject({ action: 'updated', written: 1, points: 5 })
    expect((await contents(store)).rows).toHaveLength(6)
  })
})

describe('import wandb', () => {
  const spec = {
    wandb: {
      runs: [
        {
          dir: 'run-20240101_120000-abc123',
          config: { lr: 0.01, layers: [64, 32], model: { depth: 3 } },
          history: [
            { _step: 0, _runtime: 1.5, _timestamp: 1_704_110_401.5, loss: 2.0, train: { acc: 0.1 } },
            { _step: 1, _runtime: 2.5, _timestamp: 1_704_110_402.5, loss: 'NaN', sample: { _type: 'image-file', path: 'x.png' } },
            { _step: 2, _runtime: 3.5, _timestamp: 1_704_110_403.5, loss: '-Infinity', note: 'text' },
          ],
        },
      ],
      csv: [
        {
          file: 'exports/baseline.csv',
          columns: ['', '_step', '_runtime', '_timestamp', 'loss', 'val_loss'],
          rows: [
            [0, 0, 1.0, 1_704_110_401.25, 1.5, null],
            [1, 1, 2.0, 1_704_110_402.25, 'Infinity', 0.75],
          ],
        },
      ],
    },
  }

  it('imports wandb-history.jsonl with config.yaml, and the CSV export, keeping NaN/±Inf', async () => {
    const root = write(spec)
    const store = tempDir()
    const r = await cli(['--json', 'import', 'wandb', root, store])
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.out)
    expect(summary.unmapped).toEqual(
      expect.arrayContaining([
        { run: 'abc123', kind: 'image-file', name: 'sample', count: 1 },
        { run: 'abc123', kind: 'string', name: 'note', count: 1 },
      ]),
    )
    const { runs, rows } = await contents(store)
    const run = runs.find((x) => x.id === 'wandb-abc123')!
    expect(run.config).toMatchObject({ lr: 0.01, layers: [64, 32], model: { depth: 3 } })
    expect(run.config).not.toHaveProperty('_wandb')
    const got = rows.filter((x) => x.runId === run.id).map((x) => [x.metric, x.step, x.value, x.timestampUs])
    expect(got).toEqual(
      expect.arrayContaining([
        ['loss', 0, 2, 1_704_110_401_500_000],
        ['train.acc', 0, 0.1, 1_704_110_401_500_000],
        ['loss', 1, Number.NaN, 1_704_110_402_500_000],
        ['loss', 2, Number.NEGATIVE_INFINITY, 1_704_110_403_500_000],
      ]),
    )
    expect(got).toHaveLength(4)
    const csvRun = runs.find((x) => x.name === 'baseline')!
    const csvRows = rows.filter((x) => x.runId === csvRun.id).map((x) => [x.metric, x.step, x.value, x.timestampUs])
    expect(csvRows).toEqual(
      expect.arrayContaining([
        ['loss', 0, 1.5, 1_704_110_401_250_000],
        ['loss', 1, Number.POSITIVE_INFINITY, 1_704_110_402_250_000],
        ['val_loss', 1, 0.75, 1_704_110_402_250_000],
      ]),
    )
    expect(csvRows).toHaveLength(3)
    const again = JSON.parse((await cli(['--json', 'import', 'wandb', root, store])).out)
    expect(again.written).toBe(0)
    expect((await contents(store)).rows).toHaveLength(7)
  })

  it('gives a CSV export the same run id whether its directory or the file itself is imported, and two exports two runs', async () => {
    const root = write(spec)
    const csv = join(root, 'exports', 'baseline.csv')
    const store = tempDir()
    const a = JSON.parse((await cli(['--json', 'import', 'wandb', join(root, 'exports'), store])).out)
    const b = JSON.parse((await cli(['--json', 'import', 'wandb', csv, store])).out)
    expect(b.runs[0]).toMatchObject({ id: a.runs[0].id, action: 'unchanged' })
    const other = join(root, 'other')
    mkdirSync(other)
    writeFileSync(join(other, 'baseline.csv'), ',_step,_runtime,_timestamp,loss,val_loss\r\n0,0,1.0,1704110401,9,\r\n')
    const c = JSON.parse((await cli(['--json', 'import', 'wandb', other, store])).out)
    expect(c.runs[0].id).not.toBe(a.runs[0].id)
    expect(c.runs[0]).toMatchObject({ action: 'imported', written: 1 })
  })

  it('reports a line that is not JSON with its line number and imports the others', async () => {
    const root = write(spec)
    const file = join(root, 'wandb', 'run-20240101_120000-abc123', 'files', 'wandb-history.jsonl')
    appendFileSync(file, '{"_step": 3, "loss": \n{"_step": 4, "_timestamp": 1704110405, "loss": 0.5}\n')
    const r = JSON.parse((await cli(['--json', 'import', 'wandb', file, tempDir()])).out)
    expect(r.skipped).toHaveLength(1)
    expect(r.skipped[0]).toMatchObject({ file: 'wandb-history.jsonl', line: 4 })
    expect(r.points).toBe(5)
  })

  it('parses Python JSON and RFC 4180 CSV without touching strings', () => {
    expect(parsePythonJson('{"a": NaN, "b": -Infinity, "c": "NaN Infinity", "d": [Infinity]}')).toEqual({ a: Number.NaN, b: Number.NEGATIVE_INFINITY, c: 'NaN Infinity', d: [Number.POSITIVE_INFINITY] })
    expect(parseCsv('a,"b ""q"", c"\r\n1,"x\ny"\n')).toEqual([
      ['a', 'b "q", c'],
      ['1', 'x\ny'],
    ])
  })

  it('rejects a missing path and a CSV that is not a history export', async () => {
    expect((await cli(['import', 'wandb', join(tempDir(), 'none'), tempDir()])).code).toBe(3)
    const dir = tempDir()
    writeFileSync(join(dir, 'other.csv'), 'x,y\n1,2\n')
    const r = JSON.parse((await cli(['--json', 'import', 'wandb', join(dir, 'other.csv'), tempDir()])).out)
    expect(r.runs).toEqual([])
    expect(r.skipped[0].reason).toContain('_step')
    expect((await cli(['import', 'mlflow', dir, tempDir(), '--nope'])).code).toBe(2)
  })
})
