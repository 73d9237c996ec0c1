// `entrenar import tensorboard` / `export tensorboard` over event files written by an independent writer:
// test/fixtures/tb_writer.py, which serialises with python3-protobuf (messages compiled by Debian's protoc
// from proto/tensorboard.proto) and frames records with its own CRC-32C.
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { batchFromRows, batchToRows } from '@entrenar/core'
import { openStore } from '@entrenar/db'
import { beforeAll, describe, expect, it } from 'vitest'
import { TENSORBOARD_PROTO } from '../src/importers/tensorboard-proto.js'
import { readTfRecords } from '../src/importers/tfrecord.js'
import { cli, tempDir } from './helpers.js'

const PKG = join(import.meta.dirname, '..')
let pyPath = ''
/** The first Python that has python3-protobuf (Debian's /usr/bin/python3 when another python3 comes first on PATH). */
const PY = ['python3', '/usr/bin/python3'].find((py) => {
  try {
    execFileSync(py, ['-c', 'import google.protobuf'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}) ?? 'python3'

beforeAll(() => {
  pyPath = tempDir('entrenar-tbpb-')
  execFileSync('protoc', [`--python_out=${pyPath}`, '-I', join(PKG, 'proto'), join(PKG, 'proto', 'tensorboard.proto')])
})

/** Writes event files under a new logdir with the Python writer. */
function writeEvents(spec: unknown, root = tempDir('entrenar-tb-')): string {
  execFileSync(PY, [join(PKG, 'test', 'fixtures', 'tb_writer.py'), root], { input: JSON.stringify(spec), env: { ...process.env, PYTHONPATH: pyPath } })
  return root
}

async function points(storeDir: string) {
  const store = await openStore(storeDir)
  try {
    const runs = await store.runs()
    const rows = (await store.range(-Number.MAX_VALUE, Number.MAX_VALUE)).flatMap(batchToRows)
    return { runs, rows }
  }
  finally {
    await store.close()
  }
}

const scalarEvents = (n: number, tag = 'loss', t0 = 1_700_000_000) =>
  Array.from({ length: n }, (_, i) => ({ wall_time: t0 + i + 0.25, step: i, values: [{ tag, simple_value: 1 / (i + 1) }] }))

describe('import tensorboard', () => {
  it('keeps the committed .proto and the embedded copy identical', () => {
    expect(TENSORBOARD_PROTO).toBe(readFileSync(join(PKG, 'proto', 'tensorboard.proto'), 'utf8'))
  })

  it('reads simple_value and v2 scalar tensors with wall_time and step, one run per directory, NaN/±Inf kept', async () => {
    const logdir = writeEvents({
      files: [
        {
          path: 'exp1/train/events.out.tfevents.1700000000.hostA',
          events: [
            { wall_time: 1_700_000_000, step: 0, file_version: 'brain.Event:2' },
            { wall_time: 1_700_000_001.5, step: 1, values: [{ tag: 'loss', simple_value: 0.1 }, { tag: 'acc', dtype: 'DT_FLOAT', float_val: [0.75] }] },
            { wall_time: 1_700_000_002.25, step: 2, values: [{ tag: 'loss', simple_value: 'NaN' }, { tag: 'lr', dtype: 'DT_DOUBLE', double_val: [0.1] }] },
            { wall_time: 1_700_000_003, step: 3, values: [{ tag: 'loss', simple_value: 'Infinity' }, { tag: 'lr', dtype: 'DT_DOUBLE', tensor_content: '-Infinity' }] },
            { wall_time: 1_700_000_004, step: 4, values: [{ tag: 'acc', dtype: 'DT_FLOAT', tensor_content: 0.5 }, { tag: 'weights', histo: true }] },
            { wall_time: 1_700_000_005, step: 5, graph_def: true },
            { wall_time: 1_700_000_006, step: 6, values: [{ tag: 'vec', dtype: 'DT_FLOAT', float_val: [1, 2], shape: [2] }] },
          ],
        },
        { path: 'exp1/eval/events.out.tfevents.1700000000.hostA', events: scalarEvents(3, 'val_loss') },
      ],
    })
    const store = tempDir()
    const r = await cli(['--json', 'import', 'tensorboard', logdir, store, '--progress'])
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.out)
    expect(summary.runs.map((x: { name: string }) => x.name)).toEqual(['exp1/eval', 'exp1/train'])
    expect(summary.points).toBe(3 + 7)
    expect(summary.skipped).toEqual([])
    expect(summary.unmapped).toEqual(
      expect.arrayContaining([
        { run: 'exp1/train', kind: 'histo', name: 'weights', count: 1 },
        { run: 'exp1/train', kind: 'graph_def', name: '', count: 1 },
        { run: 'exp1/train', kind: 'tensor of shape [2]', name: 'vec', count: 1 },
      ]),
    )
    expect(r.err).toContain('import tensorboard: exp1/train')
    const { runs, rows } = await points(store)
    const train = runs.find((x) => x.name === 'exp1/train')!
    const got = rows.filter((x) => x.runId === train.id).map((x) => [x.metric, x.step, x.value, x.timestampUs])
    expect(got).toEqual(
      expect.arrayContaining([
        ['loss', 1, Math.fround(0.1), 1_700_000_001_500_000],
        ['acc', 1, 0.75, 1_700_000_001_500_000],
        ['loss', 2, Number.NaN, 1_700_000_002_250_000],
        ['lr', 2, 0.1, 1_700_000_002_250_000],
        ['loss', 3, Number.POSITIVE_INFINITY, 1_700_000_003_000_000],
        ['lr', 3, Number.NEGATIVE_INFINITY, 1_700_000_003_000_000],
        ['acc', 4, 0.5, 1_700_000_004_000_000],
      ]),
    )
    expect(got).toHaveLength(7)
    expect(rows.filter((x) => x.metric === 'val_loss').map((x) => x.value)).toEqual([1, 0.5, 1 / 3].map(Math.fround))
  })

  it('reports a corrupt or truncated record with its file and offset and imports everything around it', async () => {
    const logdir = writeEvents({
      files: [
        {
          path: 'run/events.out.tfevents.1.h',
          events: scalarEvents(10),
          corrupt: [
            { record: 2, where: 'data' },
            { record: 6, where: 'length' },
          ],
          truncate: 5,
        },
      ],
    })
    const file = readFileSync(join(logdir, 'run', 'events.out.tfevents.1.h'))
    // Record offsets from the framing alone (lengths are intact except where the length was corrupted).
    const offsets: number[] = []
    for (let at = 0; at < file.length; ) {
      offsets.push(at)
      at += 16 + Number(file.readBigUInt64LE(at) & 0xffffn)
    }
    const store = tempDir()
    const r = await cli(['--json', 'import', 'tensorboard', logdir, store])
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.out)
    expect(summary.skipped).toEqual([
      { file: 'run/events.out.tfevents.1.h', offset: offsets[2], bytes: offsets[3]! - offsets[2]!, reason: 'corrupt' },
      { file: 'run/events.out.tfevents.1.h', offset: offsets[6], bytes: offsets[7]! - offsets[6]!, reason: 'corrupt' },
      { file: 'run/events.out.tfevents.1.h', offset: offsets[9], bytes: file.length - offsets[9]!, reason: 'truncated' },
    ])
    const { rows } = await points(store)
    expect(rows.map((x) => x.step).sort((a, b) => a - b)).toEqual([0, 1, 3, 4, 5, 7, 8])
    // Without --json the same is listed for people.
    const text = await cli(['import', 'tensorboard', logdir, tempDir()])
    expect(text.out).toContain(`skipped   run/events.out.tfevents.1.h at byte ${offsets[2]}: corrupt`)
  })

  it('resynchronises after garbage between records', () => {
    const good = writeEvents({ files: [{ path: 'r/events.out.tfevents.1.h', events: scalarEvents(3) }] })
    const buf = readFileSync(join(good, 'r', 'events.out.tfevents.1.h'))
    const first = 16 + Number(buf.readBigUInt64LE(0))
    const spliced = Buffer.concat([buf.subarray(0, first), Buffer.from('garbage!garbage!garbage'), buf.subarray(first)])
    const { records, bad } = readTfRecords(spliced)
    expect(records).toHaveLength(3)
    expect(bad).toEqual([{ offset: first, bytes: 23, reason: 'corrupt' }])
  })

  it('is idempotent: the same source twice writes nothing; a grown log adds only its new points', async () => {
    const spec = { files: [{ path: 'a/events.out.tfevents.1.h', events: scalarEvents(5) }] }
    const logdir = writeEvents(spec)
    const store = tempDir()
    const first = JSON.parse((await cli(['--json', 'import', 'tensorboard', logdir, store])).out)
    expect(first.runs[0]).toMatchObject({ action: 'imported', points: 5, written: 5 })
    const again = JSON.parse((await cli(['--json', 'import', 'tensorboard', logdir, store])).out)
    expect(again.runs[0]).toMatchObject({ id: first.runs[0].id, action: 'unchanged', written: 0 })
    expect((await points(store)).rows).toHaveLength(5)
    // The writer appends more events to the same file (a training job still running).
    const more = writeEvents({ files: [{ path: 'a/events.out.tfevents.1.h', events: scalarEvents(8) }] })
    appendFileSync(join(logdir, 'a', 'events.out.tfevents.1.h'), readFileSync(join(more, 'a', 'events.out.tfevents.1.h')).subarray(readFileSync(join(logdir, 'a', 'events.out.tfevents.1.h')).length))
    const grown = JSON.parse((await cli(['--json', 'import', 'tensorboard', logdir, store])).out)
    expect(grown.runs[0]).toMatchObject({ id: first.runs[0].id, action: 'updated', points: 8, written: 3 })
    const { runs, rows } = await points(store)
    expect(runs).toHaveLength(1)
    expect(rows.map((x) => x.step).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('gives a run the same id whether its log directory or a parent is imported', async () => {
    const logdir = writeEvents({ files: [{ path: 'exp/train/events.out.tfevents.1.h', events: scalarEvents(4) }] })
    const store = tempDir()
    const parent = JSON.parse((await cli(['--json', 'import', 'tensorboard', logdir, store])).out)
    expect(parent.runs[0].name).toBe('exp/train')
    const child = JSON.parse((await cli(['--json', 'import', 'tensorboard', join(logdir, 'exp', 'train'), store])).out)
    expect(child.runs[0]).toMatchObject({ id: parent.runs[0].id, action: 'unchanged', written: 0 })
    expect((await points(store)).rows).toHaveLength(4)
  })

  it('round-trips store → TensorBoard files → store exactly (NaN, ±Inf, -0, large steps)', async () => {
    const src = tempDir()
    const values = [0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e-300, 123456.789]
    const store = await openStore(src)
    await store.putRun({ id: 'run-a', name: 'a', status: 'finished', startTimeMs: 1_700_000_000_000 })
    await store.write(
      batchFromRows(
        'run-a',
        values.map((value, i) => ({ metric: i % 2 ? 'val/loss' : 'loss', value, step: i === 6 ? 2 ** 52 + 1 : i, timestampUs: 1_700_000_000_123_456 + i * 1_000_001, epoch: null, batch: null, tags: null })),
      ),
    )
    await store.close()
    const logdir = tempDir()
    const ex = await cli(['--json', 'export', 'tensorboard', src, logdir, '--run', 'run-a'])
    expect(ex.code).toBe(0)
    const files = readdirSync(join(logdir, 'run-a'))
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^events\.out\.tfevents\.1700000000\./)
    const dst = tempDir()
    expect((await cli(['import', 'tensorboard', logdir, dst])).code).toBe(0)
    const key = (r: { metric: string; step: number; value: number; timestampUs: number }) => [r.metric, r.step, Object.is(r.value, -0) ? '-0' : r.value, r.timestampUs]
    const before = (await points(src)).rows.map(key)
    const after = (await points(dst)).rows.map(key)
    expect(after).toEqual(before)
    expect(after).toHaveLength(values.length)
  })

  it('writes a first file_version event that an independent reader decodes', async () => {
    const src = tempDir()
    const store = await openStore(src)
    await store.putRun({ id: 'r', status: 'finished', startTimeMs: 1_000 })
    await store.write(batchFromRows('r', [{ metric: 'loss', value: Number.NaN, step: 7, timestampUs: 2_000_000, epoch: null, batch: null, tags: null }]))
    await store.close()
    const logdir = tempDir()
    await cli(['export', 'tensorboard', src, logdir])
    const file = join(logdir, 'r', readdirSync(join(logdir, 'r'))[0]!)
    const py = [
      'import struct,sys,tensorboard_pb2 as pb',
      'b=open(sys.argv[1],"rb").read();at=0;out=[]',
      'while at<len(b):',
      ' n=struct.unpack_from("<Q",b,at)[0];e=pb.Event();e.ParseFromString(b[at+12:at+12+n]);at+=16+n',
      ' out.append(e.file_version if e.WhichOneof("what")=="file_version" else "%s %d %s %r"%(e.summary.value[0].tag,e.step,e.summary.value[0].metadata.plugin_data.plugin_name,e.summary.value[0].tensor.double_val[0]))',
      'print("|".join(out))',
    ].join('\n')
    const out = execFileSync(PY, ['-c', py, file], { env: { ...process.env, PYTHONPATH: pyPath } }).toString().trim()
    expect(out).toBe('brain.Event:2|loss 7 scalars nan')
  })

  it('keeps every exported run inside the log directory, whatever its id', async () => {
    const src = tempDir()
    const store = await openStore(src)
    await store.putRun({ id: '../escape', status: 'finished', startTimeMs: 0 })
    await store.write(batchFromRows('../escape', [{ metric: 'loss', value: 1, step: 0, timestampUs: 1, epoch: null, batch: null, tags: null }]))
    await store.close()
    const parent = tempDir()
    const logdir = join(parent, 'tb')
    const r = JSON.parse((await cli(['--json', 'export', 'tensorboard', src, logdir])).out)
    expect(r.runs[0].file.startsWith(`${logdir}/`)).toBe(true)
    expect(readdirSync(parent)).toEqual(['tb'])
    const back = tempDir()
    await cli(['import', 'tensorboard', logdir, back])
    expect((await points(back)).rows.map((x) => x.value)).toEqual([1])
  })

  it('rejects unknown options and a missing source with coded errors', async () => {
    expect((await cli(['import', 'tensorboard', tempDir(), tempDir(), '--bogus'])).code).toBe(2)
    const missing = await cli(['--json', 'import', 'tensorboard', join(tempDir(), 'nope'), tempDir()])
    expect(missing.code).toBe(3)
    expect(JSON.parse(missing.out).error.code).toBe('ENTRENAR_NOT_FOUND')
    const noRun = await cli(['export', 'tensorboard', tempDir(), tempDir(), '--run', 'ghost'])
    expect(noRun.code).toBe(3)
    mkdirSync(join(tempDir(), 'x'), { recursive: true })
  })
})
