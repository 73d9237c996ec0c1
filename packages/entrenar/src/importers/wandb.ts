import { readFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { Fingerprint, type ImportLog, PointColumns, pointProblem, type SourceRun, stableId } from './common.js'
import { filesUnder, isFile, mustExist, parseNumber } from './files.js'

const NON_FINITE = '\u0000entrenar-nonfinite:'

/** JSON as Python's `json.dumps` writes it: the bare tokens `NaN`, `Infinity` and `-Infinity` outside strings become numbers. */
export function parsePythonJson(line: string): unknown {
  const text = line.replace(/"(?:\\.|[^"\\])*"|-?Infinity|NaN/g, (m) => (m.startsWith('"') ? m : JSON.stringify(NON_FINITE + m)))
  return JSON.parse(text, (_k, v: unknown) => (typeof v === 'string' && v.startsWith(NON_FINITE) ? Number(v.slice(NON_FINITE.length)) : v))
}

/** RFC 4180 CSV: quoted fields with `""` escapes, CRLF or LF rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

/** W&B's config.yaml (`{key: {desc, value}}`, plus `wandb_version` and `_wandb`) as a plain config. */
function readConfig(path: string, rel: string, fp: Fingerprint, log: ImportLog): Record<string, unknown> {
  if (!isFile(path)) return {}
  const text = readFileSync(path, 'utf8')
  fp.add(rel, text)
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (e) {
    log.skip({ file: rel, reason: `unreadable YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` })
    return {}
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return {}
  const out: Record<string, unknown> = Object.create(null)
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (k === 'wandb_version' || k === '_wandb') continue
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && 'value' in v ? (v as { value: unknown }).value : v
  }
  return out
}

const RESERVED = new Set(['_step', '_runtime', '_timestamp'])

/** Adds one history value (flattening nested plain objects with `.`, as W&B shows them), or notes why it has no place. */
function addValue(points: PointColumns, log: ImportLog, run: string, key: string, v: unknown, step: number, ts: number): void {
  if (v === null || v === undefined) return
  if (typeof v === 'number') {
    const problem = pointProblem(key, step)
    if (problem === undefined) points.push(key, v, step, ts)
    else log.unmapped(run, problem, key)
  } else if (typeof v === 'object' && !Array.isArray(v)) {
    const type = (v as { _type?: unknown })._type
    if (typeof type === 'string') log.unmapped(run, type, key)
    else for (const [k, x] of Object.entries(v)) addValue(points, log, run, `${key}.${k}`, x, step, ts)
  } else log.unmapped(run, Array.isArray(v) ? 'list' : typeof v, key)
}

/** The W&B run id in a run directory's name (`run-20240101_120000-abc123`, `offline-run-…`). */
function wandbRunId(dir: string): string | undefined {
  return /^(?:offline-)?run-\d{8}_\d{6}-([A-Za-z0-9]+)$/.exec(basename(dir))?.[1]
}

function historyRun(root: string, file: string, log: ImportLog): SourceRun {
  const filesDir = dirname(join(root, file))
  const runDir = basename(filesDir) === 'files' ? dirname(filesDir) : filesDir
  const relRun = relative(root, runDir).split('\\').join('/') || '.'
  const fp = new Fingerprint()
  const text = readFileSync(join(root, file), 'utf8')
  fp.add(file, text)
  const config = readConfig(join(filesDir, 'config.yaml'), relative(root, join(filesDir, 'config.yaml')), fp, log)
  const wid = wandbRunId(runDir)
  const name = wid ?? (relRun === '.' ? basename(runDir) : relRun)
  const points = new PointColumns()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    let row: unknown
    try {
      row = parsePythonJson(line)
    } catch (e) {
      log.skip({ file, line: i + 1, reason: `not JSON: ${e instanceof Error ? e.message : String(e)}` })
      continue
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      log.skip({ file, line: i + 1, reason: 'not a JSON object' })
      continue
    }
    const r = row as Record<string, unknown>
    const step = typeof r._step === 'number' ? r._step : i
    const ts = typeof r._timestamp === 'number' && Number.isFinite(r._timestamp) ? Math.round(r._timestamp * 1e6) : 0
    for (const [k, v] of Object.entries(r)) {
      if (RESERVED.has(k)) continue
      if (k.startsWith('_')) log.unmapped(name, 'internal', k)
      else addValue(points, log, name, k, v, step, ts)
    }
  }
  return { id: wid ? `wandb-${wid}` : stableId('wandb', basename(runDir), text.split('\n', 1)[0] ?? ''), name, config: { ...config, ...(wid ? { 'wandb.runId': wid } : {}) }, status: 'finished', source: relRun, fingerprint: fp.digest(), points }
}

function csvRun(root: string, file: string, log: ImportLog): SourceRun {
  const fp = new Fingerprint()
  const text = readFileSync(join(root, file), 'utf8')
  fp.add(file, text)
  const dir = dirname(join(root, file))
  const config = readConfig(join(dir, 'config.yaml'), relative(root, join(dir, 'config.yaml')), fp, log)
  const name = basename(file).replace(/\.csv$/i, '')
  const rows = parseCsv(text)
  const header = rows[0] ?? []
  const col = (n: string) => header.indexOf(n)
  const stepCol = col('_step')
  const tsCol = col('_timestamp')
  const points = new PointColumns()
  for (let i = 1; i < rows.length; i++) {
    const row = rows[i]!
    if (row.length === 1 && row[0] === '') continue
    if (row.length !== header.length) {
      log.skip({ file, line: i + 1, reason: `${row.length} fields, the header has ${header.length}` })
      continue
    }
    const step = stepCol >= 0 ? parseNumber(row[stepCol]!) : i - 1
    const tsSec = tsCol >= 0 ? parseNumber(row[tsCol]!) : undefined
    if (step === undefined) {
      log.skip({ file, line: i + 1, reason: `_step ${JSON.stringify(row[stepCol])} is not a number` })
      continue
    }
    const ts = tsSec !== undefined && Number.isFinite(tsSec) ? Math.round(tsSec * 1e6) : 0
    for (let c = 0; c < header.length; c++) {
      const key = header[c]!
      if (key === '' || RESERVED.has(key)) continue
      const cell = row[c]!
      if (cell.trim() === '') continue
      if (key.startsWith('_')) {
        log.unmapped(name, 'internal', key)
        continue
      }
      const v = parseNumber(cell)
      if (v === undefined) log.unmapped(name, 'non-numeric', key)
      else addValue(points, log, name, key, v, step, ts)
    }
  }
  // The id depends on the file's name, header and first row, not on where it lies: importing the directory
  // or the file itself, or a copy elsewhere, gives the same run; a different export gives another.
  return { id: stableId('wandb-csv', name, header.join(','), (rows[1] ?? []).join(',')), name, config, status: 'finished', source: file, fingerprint: fp.digest(), points }
}

/**
 * Reads W&B history exports under `path` (a directory or one file): every `wandb-history.jsonl` is a run
 * (its directory `run-<date>_<time>-<id>` gives the run id; `config.yaml` beside it the config), every
 * `*.csv` with a `_step` column (the history's CSV export: `_step`, `_runtime`, `_timestamp`, metric
 * columns) is a run named after the file. `_timestamp` (seconds) is the point's time, `_step` its step.
 */
export function readWandb(path: string, log: ImportLog, progress: (line: string) => void): SourceRun[] {
  mustExist('wandb', path)
  const abs = resolve(path)
  const single = isFile(abs)
  const root = single ? dirname(abs) : abs
  const files = single ? [basename(abs)] : filesUnder(abs)
  const runs: SourceRun[] = []
  for (const file of files) {
    let run: SourceRun | undefined
    if (basename(file) === 'wandb-history.jsonl') run = historyRun(root, file, log)
    else if (/\.csv$/i.test(file)) {
      const head = readFileSync(join(root, file), 'utf8').split(/\r?\n/, 1)[0] ?? ''
      if (parseCsv(head)[0]?.includes('_step')) run = csvRun(root, file, log)
      else if (single) log.skip({ file, reason: 'a CSV without a _step column is not a W&B history export' })
    }
    if (!run) continue
    progress(`${run.name}: read ${run.points.length} points`)
    runs.push(run)
  }
  return runs
}
