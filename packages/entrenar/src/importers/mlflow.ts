import { join, resolve } from 'node:path'
import type { RunStatus } from '@entrenar/core'
import { parse as parseYaml } from 'yaml'
import { type ImportLog, type PointSink, pointProblem, type RunSource, sourceError } from './common.js'
import { Fingerprint, type ImportLimits, type ImportMeter, NO_RESUME, type ResumePoint, readGrowingLines } from './stream.js'
import { entries, filesUnder, isDir, isFile, MAX_METADATA_BYTES, mustExist, parseNumber, readSmall } from './files.js'

/** MLflow's RunStatus enum (mlflow/protos/service.proto), by number and by name. */
const STATUS: Record<string, RunStatus> = { '1': 'running', '2': 'running', '3': 'finished', '4': 'failed', '5': 'stopped', RUNNING: 'running', SCHEDULED: 'running', FINISHED: 'finished', FAILED: 'failed', KILLED: 'stopped' }

/** A YAML mapping file, parsed, with its text (for the fingerprint); undefined (and logged) when it is not one. */
function yamlFile(path: string, rel: string, log: ImportLog): { doc: Record<string, unknown>; text: string } | undefined {
  const text = readSmall(path)
  if (text === undefined) {
    log.skip({ file: rel, reason: `unreadable or larger than ${MAX_METADATA_BYTES} bytes` })
    return undefined
  }
  try {
    const v = parseYaml(text) as unknown
    if (v && typeof v === 'object' && !Array.isArray(v)) return { doc: v as Record<string, unknown>, text }
    log.skip({ file: rel, reason: 'meta.yaml is not a mapping' })
  } catch (e) {
    log.skip({ file: rel, reason: `unreadable YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` })
  }
  return undefined
}

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v))
const ms = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** `key → file content` of every file under `dir` (keys with `/` are nested directories in MLflow's file store). */
function keyFiles(dir: string, parts: [string, string][], relDir: string, log: ImportLog): Record<string, string> {
  // No prototype: a param or tag named `__proto__` is data like any other key.
  const out: Record<string, string> = Object.create(null)
  for (const key of filesUnder(dir)) {
    const text = readSmall(join(dir, key))
    if (text === undefined) {
      log.skip({ file: `${relDir}/${key}`, reason: `unreadable or larger than ${MAX_METADATA_BYTES} bytes` })
      continue
    }
    parts.push([`${relDir}/${key}`, text])
    out[key] = text
  }
  return out
}

/** Streams one metric file (`timestamp value step` lines) into `sink`; a malformed line is logged with its number. */
function readMetricFile(path: string, file: string, key: string, sink: PointSink, log: ImportLog, limits: ImportLimits, meter: ImportMeter, start: ResumePoint): Promise<ResumePoint> {
  return readGrowingLines(
    path,
    start,
    limits,
    meter,
    sink,
    (line, n) => {
      const f = line.split(/\s+/)
      const ts = f.length === 2 || f.length === 3 ? parseNumber(f[0]!) : undefined
      const value = ts === undefined ? undefined : parseNumber(f[1]!)
      const step = f.length === 3 ? parseNumber(f[2]!) : 0
      if (ts === undefined || !Number.isFinite(ts) || value === undefined || step === undefined) {
        log.skip({ file, line: n, reason: `not "timestamp value step": ${JSON.stringify(line.slice(0, 80))}` })
        return
      }
      const problem = pointProblem(key, step)
      if (problem !== undefined) {
        log.skip({ file, line: n, reason: problem })
        return
      }
      sink.push(key, value, step, Math.round(ts * 1000))
    },
    (n) => log.skip({ file, line: n, reason: `line longer than ${limits.maxLineBytes} bytes` }),
  )
}

/**
 * Reads an MLflow file store (`mlruns/`): every `<experiment id>/<run id>/` with a `meta.yaml` is a run;
 * `metrics/<key>` lines `timestamp(ms) value step` are points (the two-field form of old versions has
 * step 0), streamed line by line; `params/<key>` become the run's config, `tags/<key>` and the experiment
 * are kept in the config under `mlflow.tags` and `mlflow.experiment`, the name is `run_name` or the
 * `mlflow.runName` tag.
 */
export async function readMlflow(mlruns: string, log: ImportLog, limits: ImportLimits, meter: ImportMeter): Promise<RunSource[]> {
  mustExist('mlflow', mlruns)
  const root = resolve(mlruns)
  if (!isDir(root)) throw sourceError(`entrenar import mlflow: ${mlruns} is not a directory`)
  const runs: RunSource[] = []
  for (const expId of entries(root)) {
    const expDir = join(root, expId)
    if (!isDir(expDir) || expId.startsWith('.') || !isFile(join(expDir, 'meta.yaml'))) continue
    const expYaml = yamlFile(join(expDir, 'meta.yaml'), `${expId}/meta.yaml`, log)
    if (!expYaml) continue
    const exp = expYaml.doc
    const experiment = { id: str(exp.experiment_id) ?? expId, ...(exp.name === undefined ? {} : { name: str(exp.name) }), ...(exp.lifecycle_stage === undefined ? {} : { lifecycleStage: str(exp.lifecycle_stage) }) }
    for (const runDirName of entries(expDir)) {
      const runDir = join(expDir, runDirName)
      const rel = `${expId}/${runDirName}`
      if (!isDir(runDir) || !isFile(join(runDir, 'meta.yaml'))) continue
      const metaYaml = yamlFile(join(runDir, 'meta.yaml'), `${rel}/meta.yaml`, log)
      if (!metaYaml) continue
      const meta = metaYaml.doc
      const parts: [string, string][] = [
        [`${expId}/meta.yaml`, expYaml.text],
        [`${rel}/meta.yaml`, metaYaml.text],
      ]
      const runId = str(meta.run_id) ?? str(meta.run_uuid) ?? runDirName
      const keyParts: [string, string][] = []
      const params = keyFiles(join(runDir, 'params'), keyParts, `${rel}/params`, log)
      const tags = keyFiles(join(runDir, 'tags'), keyParts, `${rel}/tags`, log)
      parts.push(...keyParts)
      const name = str(meta.run_name) || tags['mlflow.runName'] || str(meta.name) || runId
      const metricsDir = join(runDir, 'metrics')
      const metricKeys = filesUnder(metricsDir)
      const status = STATUS[str(meta.status) ?? ''] ?? 'finished'
      const start = ms(meta.start_time)
      const end = ms(meta.end_time)
      runs.push({
        id: `mlflow-${runId}`,
        name,
        config: { ...params, 'mlflow.tags': tags, 'mlflow.experiment': experiment, 'mlflow.runId': runId, ...(meta.user_id ? { 'mlflow.user': str(meta.user_id) } : {}) },
        status,
        ...(start === undefined ? {} : { startTimeMs: start }),
        ...(end === undefined ? {} : { endTimeMs: end }),
        source: rel,
        async fingerprint() {
          const fp = new Fingerprint()
          for (const [n, c] of parts) fp.add(n, c)
          for (const key of metricKeys) await fp.addFile(`${rel}/metrics/${key}`, join(metricsDir, key), limits.chunkBytes)
          return fp.digest()
        },
        appendable: metricKeys.map((key) => ({ key, path: join(metricsDir, key) })),
        async read(sink, resume) {
          const ends = new Map<string, ResumePoint>()
          for (const key of metricKeys) ends.set(key, await readMetricFile(join(metricsDir, key), `${rel}/metrics/${key}`, key, sink, log, limits, meter, resume.get(key) ?? NO_RESUME))
          return ends
        },
      })
    }
  }
  return runs
}
