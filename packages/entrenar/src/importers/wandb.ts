import { basename, dirname, join, relative, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { type ImportLog, type PointSink, pointProblem, type RunSource, stableId } from './common.js'
import { Fingerprint, type ImportLimits, type ImportMeter, LineSplitter, NO_RESUME, readChunks, readGrowingLines } from './stream.js'
import { filesUnder, isFile, MAX_METADATA_BYTES, mustExist, parseNumber, readSmall } from './files.js'

const NON_FINITE = '\u0000entrenar-nonfinite:'

/** JSON as Python's `json.dumps` writes it: the bare tokens `NaN`, `Infinity` and `-Infinity` outside strings become numbers. */
export function parsePythonJson(line: string): unknown {
  const text = line.replace(/"(?:\\.|[^"\\])*"|-?Infinity|NaN/g, (m) => (m.startsWith('"') ? m : JSON.stringify(NON_FINITE + m)))
  return JSON.parse(text, (_k, v: unknown) => (typeof v === 'string' && v.startsWith(NON_FINITE) ? Number(v.slice(NON_FINITE.length)) : v))
}

/**
 * RFC 4180 CSV, incremental: quoted fields with `""` escapes, CRLF or LF rows, fed text in pieces that
 * may split a row, a quoted field, a `""` escape or a CRLF anywhere. A row longer than `maxRowChars` is
 * not buffered: `onLong` gets its number and the parser skips to its end.
 */
export class CsvParser {
  #row: string[] = []
  #field = ''
  #rowChars = 0
  #quoted = false
  /** A `"` ended the last piece inside a quoted field: an escape or the closing quote, decided by the next character. */
  #quotePending = false
  /** A `\r` ended the last piece: a `\n` right after it belongs to the same row end. */
  #cr = false
  #skipping = false
  #rows = 0
  static readonly #special = /[",\r\n]/g
  /** Characters of the row being read, held until it ends. */
  get bufferedChars(): number {
    return this.#skipping ? 0 : this.#rowChars
  }
  constructor(
    readonly onRow: (row: string[], rowNumber: number) => void,
    readonly maxRowChars = Number.POSITIVE_INFINITY,
    readonly onLong: (rowNumber: number) => void = () => {},
  ) {}
  #add(text: string): void {
    if (this.#skipping) return
    this.#rowChars += text.length
    if (this.#rowChars > this.maxRowChars) {
      this.#skipping = true
      this.onLong(this.#rows + 1)
      this.#row = []
      this.#field = ''
      return
    }
    this.#field += text
  }
  #endField(): void {
    if (!this.#skipping) this.#row.push(this.#field)
    this.#field = ''
  }
  #endRow(): void {
    this.#endField()
    this.#rows++
    if (!this.#skipping) this.onRow(this.#row, this.#rows)
    this.#row = []
    this.#rowChars = 0
    this.#skipping = false
  }
  push(text: string): void {
    let i = 0
    const n = text.length
    if (n === 0) return
    if (this.#cr) {
      this.#cr = false
      if (text[0] === '\n') i = 1
    }
    if (this.#quotePending) {
      this.#quotePending = false
      if (text[i] === '"') {
        this.#add('"')
        i++
      } else this.#quoted = false
    }
    while (i < n) {
      if (this.#quoted) {
        const q = text.indexOf('"', i)
        if (q < 0) {
          this.#add(text.slice(i))
          return
        }
        this.#add(text.slice(i, q))
        if (q + 1 >= n) {
          this.#quotePending = true
          return
        }
        if (text[q + 1] === '"') {
          this.#add('"')
          i = q + 2
        } else {
          this.#quoted = false
          i = q + 1
        }
        continue
      }
      const re = CsvParser.#special
      re.lastIndex = i
      const m = re.exec(text)
      if (!m) {
        this.#add(text.slice(i))
        return
      }
      const at = m.index
      if (at > i) this.#add(text.slice(i, at))
      const c = text[at]!
      i = at + 1
      if (c === '"') this.#quoted = true
      else if (c === ',') this.#endField()
      else {
        this.#endRow()
        if (c === '\r') {
          if (i >= n) this.#cr = true
          else if (text[i] === '\n') i++
        }
      }
    }
  }
  /** Ends the input: a last row without a line break is emitted. */
  end(): void {
    this.#quotePending = false
    if (this.#field !== '' || this.#row.length > 0 || this.#skipping) {
      if (this.#skipping) this.#skipping = false
      else this.#endRow()
    }
  }
}

/** RFC 4180 CSV held in memory: every row (the {@link CsvParser} fed one piece). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  const p = new CsvParser((r) => rows.push(r))
  p.push(text)
  p.end()
  return rows
}

/** W&B's config.yaml (`{key: {desc, value}}`, plus `wandb_version` and `_wandb`) as a plain config. */
function readConfig(text: string, rel: string, log: ImportLog): Record<string, unknown> {
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
function addValue(points: PointSink, log: ImportLog, run: string, key: string, v: unknown, step: number, ts: number): void {
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

/** The first line of a file (without its `\n`), read no further than `maxBytes`. */
async function firstLine(path: string, limits: ImportLimits): Promise<string> {
  let first: string | undefined
  const take = (text: string) => {
    if (first === undefined) first = text
  }
  const splitter = new LineSplitter(limits.maxLineBytes, take, () => take(''))
  await readChunks(path, limits.chunkBytes, (c) => {
    splitter.push(c)
    return first === undefined
  })
  if (first === undefined) splitter.end()
  return first ?? ''
}

/** The header and first row of a CSV file, read no further than they go. */
async function csvHead(path: string, limits: ImportLimits): Promise<string[][]> {
  const rows: string[][] = []
  const parser = new CsvParser((r) => void (rows.length < 2 && rows.push(r)), limits.maxLineBytes)
  const decoder = new TextDecoder()
  let ended = true
  await readChunks(path, limits.chunkBytes, (c) => {
    parser.push(decoder.decode(c, { stream: true }))
    ended = rows.length < 2
    return ended
  })
  if (ended) {
    parser.push(decoder.decode())
    parser.end()
  }
  return rows
}

function historyRun(root: string, file: string, log: ImportLog, limits: ImportLimits, meter: ImportMeter, head: string): RunSource {
  const filesDir = dirname(join(root, file))
  const runDir = basename(filesDir) === 'files' ? dirname(filesDir) : filesDir
  const relRun = relative(root, runDir).split('\\').join('/') || '.'
  const configRel = relative(root, join(filesDir, 'config.yaml'))
  const configText = isFile(join(filesDir, 'config.yaml')) ? readSmall(join(filesDir, 'config.yaml')) : undefined
  if (configText === undefined && isFile(join(filesDir, 'config.yaml'))) log.skip({ file: configRel, reason: `unreadable or larger than ${MAX_METADATA_BYTES} bytes` })
  const config = configText === undefined ? {} : readConfig(configText, configRel, log)
  const wid = wandbRunId(runDir)
  const name = wid ?? (relRun === '.' ? basename(runDir) : relRun)
  return {
    id: wid ? `wandb-${wid}` : stableId('wandb', basename(runDir), head),
    name,
    config: { ...config, ...(wid ? { 'wandb.runId': wid } : {}) },
    status: 'finished',
    source: relRun,
    async fingerprint() {
      const fp = await new Fingerprint().addFile(file, join(root, file), limits.chunkBytes)
      if (configText !== undefined) fp.add(configRel, configText)
      return fp.digest()
    },
    appendable: [{ key: file, path: join(root, file) }],
    async read(sink, resume) {
      const start = resume.get(file) ?? NO_RESUME
      const read = await readGrowingLines(
        join(root, file),
        start,
        limits,
        meter,
        sink,
        (line, n) => {
          let row: unknown
          try {
            row = parsePythonJson(line)
          } catch (e) {
            log.skip({ file, line: n, reason: `not JSON: ${e instanceof Error ? e.message : String(e)}` })
            return
          }
          if (!row || typeof row !== 'object' || Array.isArray(row)) {
            log.skip({ file, line: n, reason: 'not a JSON object' })
            return
          }
          const r = row as Record<string, unknown>
          const step = typeof r._step === 'number' ? r._step : n - 1
          const ts = typeof r._timestamp === 'number' && Number.isFinite(r._timestamp) ? Math.round(r._timestamp * 1e6) : 0
          for (const [k, v] of Object.entries(r)) {
            if (RESERVED.has(k)) continue
            if (k.startsWith('_')) log.unmapped(name, 'internal', k)
            else addValue(sink, log, name, k, v, step, ts)
          }
        },
        (n) => log.skip({ file, line: n, reason: `line longer than ${limits.maxLineBytes} bytes` }),
      )
      return new Map([[file, read]])
    },
  }
}

function csvRun(root: string, file: string, log: ImportLog, limits: ImportLimits, meter: ImportMeter, head: string[][]): RunSource {
  const dir = dirname(join(root, file))
  const configRel = relative(root, join(dir, 'config.yaml'))
  const configText = isFile(join(dir, 'config.yaml')) ? readSmall(join(dir, 'config.yaml')) : undefined
  if (configText === undefined && isFile(join(dir, 'config.yaml'))) log.skip({ file: configRel, reason: `unreadable or larger than ${MAX_METADATA_BYTES} bytes` })
  const config = configText === undefined ? {} : readConfig(configText, configRel, log)
  const name = basename(file).replace(/\.csv$/i, '')
  const header = head[0] ?? []
  const col = (n: string) => header.indexOf(n)
  const stepCol = col('_step')
  const tsCol = col('_timestamp')
  return {
    // The id depends on the file's name, header and first row, not on where it lies: importing the directory
    // or the file itself, or a copy elsewhere, gives the same run; a different export gives another.
    id: stableId('wandb-csv', name, header.join(','), (head[1] ?? []).join(',')),
    name,
    config,
    status: 'finished',
    source: file,
    async fingerprint() {
      const fp = await new Fingerprint().addFile(file, join(root, file), limits.chunkBytes)
      if (configText !== undefined) fp.add(configRel, configText)
      return fp.digest()
    },
    // A CSV export is written once, not appended to: it is always read whole.
    appendable: [],
    async read(sink) {
      let rows: [string[], number][] = []
      const parser = new CsvParser(
        (row, n) => rows.push([row, n]),
        limits.maxLineBytes,
        (n) => log.skip({ file, line: n, reason: `row longer than ${limits.maxLineBytes} characters` }),
      )
      const decoder = new TextDecoder()
      const drain = async () => {
        const batch = rows
        rows = []
        for (const [row, n] of batch) {
          if (n === 1) continue
          if (row.length === 1 && row[0] === '') continue
          if (row.length !== header.length) {
            log.skip({ file, line: n, reason: `${row.length} fields, the header has ${header.length}` })
            continue
          }
          const step = stepCol >= 0 ? parseNumber(row[stepCol]!) : n - 2
          const tsSec = tsCol >= 0 ? parseNumber(row[tsCol]!) : undefined
          if (step === undefined) {
            log.skip({ file, line: n, reason: `_step ${JSON.stringify(row[stepCol])} is not a number` })
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
            else addValue(sink, log, name, key, v, step, ts)
          }
          if (sink.full) await sink.drain()
        }
      }
      await readChunks(
        join(root, file),
        limits.chunkBytes,
        async (chunk) => {
          const text = decoder.decode(chunk, { stream: true })
          parser.push(text)
          meter.buffered(chunk.length + parser.bufferedChars)
          await drain()
        },
        meter,
      )
      parser.push(decoder.decode())
      parser.end()
      await drain()
      return new Map()
    },
  }
}

/**
 * Reads W&B history exports under `path` (a directory or one file): every `wandb-history.jsonl` is a run
 * (its directory `run-<date>_<time>-<id>` gives the run id; `config.yaml` beside it the config), every
 * `*.csv` with a `_step` column (the history's CSV export: `_step`, `_runtime`, `_timestamp`, metric
 * columns) is a run named after the file. `_timestamp` (seconds) is the point's time, `_step` its step.
 * Files are streamed: JSON lines one by one, CSV through an incremental RFC 4180 parser.
 */
export async function readWandb(path: string, log: ImportLog, limits: ImportLimits, meter: ImportMeter): Promise<RunSource[]> {
  mustExist('wandb', path)
  const abs = resolve(path)
  const single = isFile(abs)
  const root = single ? dirname(abs) : abs
  const files = single ? [basename(abs)] : filesUnder(abs)
  const runs: RunSource[] = []
  for (const file of files) {
    if (basename(file) === 'wandb-history.jsonl') runs.push(historyRun(root, file, log, limits, meter, await firstLine(join(root, file), limits)))
    else if (/\.csv$/i.test(file)) {
      const head = await csvHead(join(root, file), limits)
      if (head[0]?.includes('_step')) runs.push(csvRun(root, file, log, limits, meter, head))
      else if (single) log.skip({ file, reason: 'a CSV without a _step column is not a W&B history export' })
    }
  }
  return runs
}
