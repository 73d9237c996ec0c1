// Reading a large `<dir>/drift/events.jsonl`: core's chunked reader (`readJsonlLogSync`, as `entrenar runs`
// counts per run and as `report` keeps one run's events) against the whole-file read it replaced
// (readFileSync + split + JSON.parse of every line), in the same session, alternated, each candidate in a
// fresh process so that its peak RSS (getrusage maxRSS) is its own. CPU time, not wall time. The whole-file
// read cannot read a log over V8's longest string (~512 MiB) at all; the chunked one reads any size.
// Usage: npm run bench:drift-read -w entrenar   (needs core's dist/: `npx tsup` in packages/core)
//        BENCH_DRIFT_MB=300 (log size), BENCH_ROUNDS=3
import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const MB = Number(process.env.BENCH_DRIFT_MB ?? 300)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const self = fileURLToPath(import.meta.url)

/** The candidates, run in a child: each returns how many events it counted for run-7. */
async function candidate(name, path) {
  const { readFileSync } = await import('node:fs')
  const { alertEventFromWire } = await import('@entrenar/core')
  const { readJsonlLogSync } = await import('@entrenar/core/node')
  const decode = (o) => {
    const e = alertEventFromWire(o)
    return e?.kind === 'drift' ? e : undefined
  }
  if (name === 'whole') {
    let n = 0
    let bad = 0
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue
      let o
      try {
        o = JSON.parse(line)
      } catch {
        bad++
        continue
      }
      const e = o !== null && typeof o === 'object' && !Array.isArray(o) ? decode(o) : undefined
      if (e === undefined) bad++
      else if (e.runId === 'run-7') n++
    }
    return { n, bad }
  }
  if (name === 'count') {
    let n = 0
    const log = readJsonlLogSync(path, {
      decode,
      what: 'a drift event',
      keep: (e) => {
        if (e.runId === 'run-7') n++
        return false
      },
    })
    return { n, bad: log.unreadable }
  }
  // 'keep-run': the events of one run kept (what `report` does).
  const log = readJsonlLogSync(path, { decode, what: 'a drift event', keep: (e) => e.runId === 'run-7' })
  return { n: log.records.length, bad: log.unreadable }
}

if (process.argv[2] === '--child') {
  const [, , , name, path] = process.argv
  const cpu0 = process.cpuUsage()
  const r = await candidate(name, path)
  const cpu = process.cpuUsage(cpu0)
  process.stdout.write(JSON.stringify({ ...r, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024 }))
  process.exit(0)
}

const path = join(tmpdir(), `entrenar-drift-read-${MB}.jsonl`)
if (!existsSync(path) || statSync(path).size < MB * 2 ** 20) {
  const fd = openSync(path, 'w')
  let bytes = 0
  for (let i = 0; bytes < MB * 2 ** 20; i++) {
    const lines = []
    for (let k = 0; k < 1000; k++, i++) {
      lines.push(JSON.stringify({ kind: 'drift', run_id: `run-${i % 100}`, metric: 'loss', step: i, detector: 'page_hinkley', signal: i % 3 ? 'warning' : 'drift', statistic: i % 97 ? i / 7 : 'NaN', severity: 'high', timestamp_ms: 1_796_000_000_000 + i }))
    }
    const chunk = `${lines.join('\n')}\n`
    writeSync(fd, chunk)
    bytes += Buffer.byteLength(chunk)
  }
  closeSync(fd)
}
const size = statSync(path).size / 2 ** 20
const run = (name) => {
  try {
    return JSON.parse(execFileSync(process.execPath, ['--max-old-space-size=8192', self, '--child', name, path], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'pipe'] }))
  } catch (e) {
    // The whole-file read of a log over V8's longest string: ERR_STRING_TOO_LONG.
    return { failed: (String(e.stderr ?? e.message).match(/ERR_\w+|Error: [^\n]*/) ?? ['failed'])[0] }
  }
}

console.log(`drift log ${size.toFixed(0)} MiB at ${path}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
const names = ['whole', 'count', 'keep-run']
const results = Object.fromEntries(names.map((n) => [n, []]))
for (let r = 0; r < ROUNDS; r++) {
  for (const n of r % 2 ? [...names].reverse() : names) results[n].push(run(n))
}
const whole = results.whole
for (const n of names) {
  const xs = results[n]
  const ratio = (a, b) => (b === undefined ? '' : ` (${(a / b).toFixed(2)}×)`)
  const row = xs.map((x, i) => (x.failed ? `failed: ${x.failed}` : `${x.cpuMs.toFixed(0)} ms CPU${ratio(x.cpuMs, whole[i].cpuMs)}, peak RSS ${x.maxRssMiB.toFixed(0)} MiB${ratio(x.maxRssMiB, whole[i].maxRssMiB)}`))
  const ok = xs.find((x) => !x.failed)
  console.log(`${n.padEnd(9)} ${ok ? `events of run-7: ${ok.n}, unreadable ${ok.bad}; ` : ''}${row.join(' | ')}`)
}
console.log(`load after ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
if (process.env.BENCH_KEEP !== '1') rmSync(path)
