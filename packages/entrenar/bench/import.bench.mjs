// `entrenar import tensorboard` on a generated event file of IMPORT_BENCH_MB megabytes (default 128; set
// 1024 for the 1 GB figure): points/s and peak RSS of the import, against a peer measured in the same run
// on the same file — python3-protobuf decoding it record by record (bench/tb_read.py, CRCs unchecked,
// nothing written). Wall time and peak RSS of both come from /usr/bin/time. The machine is shared:
// the load average is printed, and each figure is repeated (BENCH_ROUNDS, default 2).
// Usage: npm run build (or npx tsup in packages/entrenar), then node packages/entrenar/bench/import.bench.mjs
// (IMPORT_BENCH_MB=1024 BENCH_ROUNDS=1 for the 1 GB figure).
import { execFileSync, spawnSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32c } from '@aws-crypto/crc32c'
import protobuf from 'protobufjs'

const PKG = join(import.meta.dirname, '..')
const MB = Number(process.env.IMPORT_BENCH_MB ?? 128)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
// The import runs with V8's heap capped (default 256 MiB): it must finish whatever the input size, which a
// reader holding the file's points would not. RSS also counts the store's encoder worker and native buffers.
const HEAP_MB = Number(process.env.IMPORT_BENCH_HEAP_MB ?? 256)
const PY = ['python3', '/usr/bin/python3'].find((py) => {
  try {
    execFileSync(py, ['-c', 'import google.protobuf'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})
const load = () => loadavg().map((x) => x.toFixed(2)).join(', ')

const masked = (b) => {
  const c = crc32c(b) >>> 0
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0
}
function frame(data) {
  const out = Buffer.allocUnsafe(16 + data.length)
  out.writeBigUInt64LE(BigInt(data.length), 0)
  out.writeUInt32LE(masked(out.subarray(0, 8)), 8)
  out.set(data, 12)
  out.writeUInt32LE(masked(data), 12 + data.length)
  return out
}

/** A TensorBoard-like event file: four scalar tags per step as simple_value (PyTorch's SummaryWriter form), a NaN every 1000 steps. */
async function generate(path, bytes) {
  const Event = protobuf.parse(readFileSync(join(PKG, 'proto', 'tensorboard.proto'), 'utf8'), { keepCase: true }).root.lookupType('tensorboard.Event')
  const out = createWriteStream(path)
  const write = (b) => (out.write(b) ? undefined : new Promise((r) => out.once('drain', r)))
  let written = 0
  let points = 0
  await write(frame(Event.encode(Event.fromObject({ wall_time: 1.7e9, file_version: 'brain.Event:2' })).finish()))
  for (let step = 0; written < bytes; step++) {
    const value = ['loss', 'accuracy', 'learning_rate', 'grad_norm'].map((tag, k) => ({ tag, simple_value: step % 1000 === 999 && k === 0 ? Number.NaN : Math.exp(-step / 1e5) * (k + 1) }))
    const rec = frame(Event.encode(Event.fromObject({ wall_time: 1.7e9 + step * 0.05, step, summary: { value } })).finish())
    written += rec.length
    points += 4
    await write(rec)
  }
  await new Promise((r) => out.end(r))
  return points
}

/** Runs a command under /usr/bin/time: wall seconds, peak RSS (MiB) and stdout. */
function timed(cmd, args, env) {
  const p = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { env: env ?? process.env, encoding: 'utf8', maxBuffer: 1 << 28 })
  if (p.status !== 0) throw new Error(`${cmd} failed: ${p.stderr}`)
  const last = p.stderr.trim().split('\n').at(-1).split(' ')
  return { seconds: Number(last[0]), rssMiB: Number(last[1]) / 1024, out: p.stdout }
}

const dir = mkdtempSync(join(tmpdir(), 'entrenar-import-bench-'))
try {
  const logdir = join(dir, 'tb', 'run')
  execFileSync('mkdir', ['-p', logdir])
  const file = join(logdir, 'events.out.tfevents.1700000000.bench')
  const t0 = performance.now()
  const points = await generate(file, MB * 1024 * 1024)
  const size = statSync(file).size
  console.log(`generated ${(size / 2 ** 20).toFixed(0)} MiB, ${points} points in ${((performance.now() - t0) / 1000).toFixed(1)} s; import heap capped at ${HEAP_MB} MiB; load ${load()}`)
  const pyPath = join(dir, 'py')
  execFileSync('mkdir', ['-p', pyPath])
  execFileSync('protoc', [`--python_out=${pyPath}`, '-I', join(PKG, 'proto'), join(PKG, 'proto', 'tensorboard.proto')])
  console.log('| round | entrenar import (decode + CRC + Parquet) | points/s | peak RSS | python3-protobuf decode only | points/s | peak RSS | time ratio | load (1/5/15 min) |')
  console.log('|---|---|---|---|---|---|---|---|---|')
  for (let r = 1; r <= ROUNDS; r++) {
    const store = join(dir, `store-${r}`)
    const ours = timed(process.execPath, [`--max-old-space-size=${HEAP_MB}`, join(PKG, 'bin', 'entrenar.js'), '--json', 'import', 'tensorboard', join(dir, 'tb'), store])
    const summary = JSON.parse(ours.out)
    if (summary.points !== points || summary.written !== points) throw new Error(`entrenar imported ${summary.points}/${summary.written} of ${points} points`)
    const peer = PY ? timed(PY, [join(PKG, 'bench', 'tb_read.py'), file], { ...process.env, PYTHONPATH: pyPath }) : undefined
    const peerPoints = peer ? JSON.parse(peer.out).points : 0
    if (peer && peerPoints !== points) throw new Error(`peer read ${peerPoints} of ${points} points`)
    const rate = (s) => `${Math.round(points / s / 1000)}k`
    console.log(
      `| ${r} | ${ours.seconds.toFixed(1)} s | ${rate(ours.seconds)} | ${ours.rssMiB.toFixed(0)} MiB | ${peer ? `${peer.seconds.toFixed(1)} s` : 'n/a'} | ${peer ? rate(peer.seconds) : '-'} | ${peer ? `${peer.rssMiB.toFixed(0)} MiB` : '-'} | ${peer ? (ours.seconds / peer.seconds).toFixed(2) : '-'}× | ${load()} |`,
    )
    rmSync(store, { recursive: true, force: true })
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
