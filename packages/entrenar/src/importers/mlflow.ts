import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { RunStatus } from '@entrenar/core'
import { parse as parseYaml } from 'yaml'
import { Fingerprint, type ImportLog, PointColumns, pointProblem, type SourceRun, sourceError } from './common.js'
import { entries, filesUnder, isDir, isFile, mustExist, parseNumber } from './files.js'

/** MLflow's RunStatus enum (mlflow/protos/service.proto), by number and by name. */
const STATUS: Record<string, RunStatus> = { '1': 'running', '2': 'running', '3': 'finished', '4': 'failed', '5': 'stopped', RUNNING: 'running', SCHEDULED: 'running', FINISHED: 'finished', FAILED: 'failed', KILLED: 'stopped' }

function yamlFile(path: string, rel: string, log: ImportLog): Record<string, unknown> | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
  try {
    const v = parseYaml(text) as unknown
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
    log.skip({ file: rel, reason: 'meta.yaml is not a mapping' })
  } catch (e) {
    log.skip({ file: rel, reason: `unreadable YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` })
  }
  return undefined
}

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v))
const ms = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** `key → file content` of every file under `dir` (keys with `/` are nested directories in MLflow's file store). */
function keyFiles(dir: string, fp: Fingerprint, relDir: string): Record<string, string> {
  // No prototype: a param or tag named `__proto__` is data like any other key.
  const out: Record<string, string> = Object.create(null)
  for (const key of filesUnder(dir)) {
    const text = readFileSync(join(dir, key), 'utf8')
    fp.add(`${relDir}/${key}`, text)
    out[key] = text
  }
  return out
}

/**
 * Reads an MLflow file store (`mlruns/`): every `<experiment id>/<run id>/` with a `meta.yaml` is a run;
 * `metrics/<key>` lines `timestamp(ms) value step` are points (the two-field form of old versions has
 * step 0), `params/<key>` become the run's config, `tags/<key>` and the experiment are kept in the config
 * under `mlflow.tags` and `mlflow.experiment`, the name is `run_name` or the `mlflow.runName` tag.
 */
export function readMlflow(mlruns: string, log: ImportLog, progress: (line: string) => void): SourceRun[] {
  mustExist('mlflow', mlruns)
  const root = resolve(mlruns)
  if (!isDir(root)) throw sourceError(`entrenar import mlflow: ${mlruns} is not a directory`)
  const runs: SourceRun[] = []
  for (const expId of entries(root)) {
    const expDir = join(root, expId)
    if (!isDir(expDir) || expId.startsWith('.') || !isFile(join(expDir, 'meta.yaml'))) continue
    const exp = yamlFile(join(expDir, 'meta.yaml'), `${expId}/meta.yaml`, log)
    if (!exp) continue
    const experiment = { id: str(exp.experiment_id) ?? expId, ...(exp.name === undefined ? {} : { name: str(exp.name) }), ...(exp.lifecycle_stage === undefined ? {} : { lifecycleStage: str(exp.lifecycle_stage) }) }
    for (const runDirName of entries(expDir)) {
      const runDir = join(expDir, runDirName)
      const rel = `${expId}/${runDirName}`
      if (!isDir(runDir) || !isFile(join(runDir, 'meta.yaml'))) continue
      const meta = yamlFile(join(runDir, 'meta.yaml'), `${rel}/meta.yaml`, log)
      if (!meta) continue
      const fp = new Fingerprint().add(`${expId}/meta.yaml`, readFileSync(join(expDir, 'meta.yaml'))).add(`${rel}/meta.yaml`, readFileSync(join(runDir, 'meta.yaml')))
      const runId = str(meta.run_id) ?? str(meta.run_uuid) ?? runDirName
      const params = keyFiles(join(runDir, 'params'), fp, `${rel}/params`)
      const tags = keyFiles(join(runDir, 'tags'), fp, `${rel}/tags`)
      const name = str(meta.run_name) || tags['mlflow.runName'] || str(meta.name) || runId
      const points = new PointColumns()
      const metricsDir = join(runDir, 'metrics')
      for (const key of filesUnder(metricsDir)) {
        const file = `${rel}/metrics/${key}`
        const text = readFileSync(join(metricsDir, key), 'utf8')
        fp.add(file, text)
        const lines = text.split('\n')
        for (let i = 0; i < lines.length; i++) {
          const line = lines[i]!.trim()
          if (line === '') continue
          const f = line.split(/\s+/)
          const ts = f.length === 2 || f.length === 3 ? parseNumber(f[0]!) : undefined
          const value = ts === undefined ? undefined : parseNumber(f[1]!)
          const step = f.length === 3 ? parseNumber(f[2]!) : 0
          if (ts === undefined || !Number.isFinite(ts) || value === undefined || step === undefined) {
            log.skip({ file, line: i + 1, reason: `not "timestamp value step": ${JSON.stringify(line.slice(0, 80))}` })
            continue
          }
          const problem = pointProblem(key, step)
          if (problem !== undefined) {
            log.skip({ file, line: i + 1, reason: problem })
            continue
          }
          points.push(key, value, step, Math.round(ts * 1000))
        }
      }
      const status = STATUS[str(meta.status) ?? ''] ?? 'finished'
      const start = ms(meta.start_time)
      const end = ms(meta.end_time)
      progress(`${name}: read ${points.length} points`)
      runs.push({
        id: `mlflow-${runId}`,
        name,
        config: { ...params, 'mlflow.tags': tags, 'mlflow.experiment': experiment, 'mlflow.runId': runId, ...(meta.user_id ? { 'mlflow.user': str(meta.user_id) } : {}) },
        status,
        ...(start === undefined ? {} : { startTimeMs: start }),
        ...(end === undefined ? {} : { endTimeMs: end }),
        source: rel,
        fingerprint: fp.digest(),
        points,
      })
    }
  }
  return runs
}
