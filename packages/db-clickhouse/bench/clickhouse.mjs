// What the ClickHouse benchmarks share: a throw-away clickhouse-server (loopback only, free ports, its own
// configuration in a temporary directory) and the generated batches they write. Used by insert.bench.mjs,
// store.bench.mjs and entrenar's store-copy.bench.mjs.
import { spawn } from 'node:child_process'
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { NULL_INT32, RecordBatchBuilder } from '@entrenar/core'

/** Runs and metrics of the generated batches, and the time of their first row (µs). */
export const RUNS = 100
export const METRICS = ['loss', 'accuracy', 'learning_rate', 'gradient_norm']
export const T0 = 1_700_000_000_000_000

/** A number with thousands separators and at most `d` decimals. */
export const fmt = (x, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d })

/** The load averages (1, 5, 15 min), as printed beside every figure. */
export const load = () =>
  loadavg()
    .map((x) => fmt(x, 2))
    .join(' ')

/** The server binary of the Debian package, or undefined. */
function binary() {
  return ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server'].find((p) => {
    try {
      accessSync(p, constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })

/**
 * Starts clickhouse-server in a new temporary directory `root` (its files under `root/ch`; the benchmark may
 * keep its own files beside them) and waits until it answers. Exits the process with a message when the
 * server is not installed. `stop()` ends the server and removes `root`.
 */
export async function startClickHouse(prefix) {
  const bin = binary()
  if (!bin) {
    console.log('clickhouse-server is not installed (apt-get install clickhouse-server)')
    process.exit(0)
  }
  const root = mkdtempSync(join(tmpdir(), prefix))
  const ch = join(root, 'ch')
  for (const d of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(ch, d), { recursive: true })
  const [http, tcp] = [await freePort(), await freePort()]
  writeFileSync(
    join(ch, 'config.xml'),
    `<?xml version="1.0"?><yandex><logger><level>warning</level><console>1</console></logger><http_port>${http}</http_port><tcp_port>${tcp}</tcp_port><listen_host>127.0.0.1</listen_host><path>${ch}/data/</path><tmp_path>${ch}/tmp/</tmp_path><user_files_path>${ch}/user_files/</user_files_path><format_schema_path>${ch}/format_schemas/</format_schema_path><mark_cache_size>268435456</mark_cache_size><users_config>users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database><timezone>UTC</timezone></yandex>`,
  )
  writeFileSync(
    join(ch, 'users.xml'),
    '<?xml version="1.0"?><yandex><profiles><default></default></profiles><users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users><quotas><default></default></quotas></yandex>',
  )
  const server = spawn(bin, [`--config-file=${join(ch, 'config.xml')}`], { cwd: ch, stdio: 'ignore' })
  const url = `http://127.0.0.1:${http}`
  for (;;) {
    try {
      if ((await fetch(`${url}/?query=SELECT%201`)).ok) break
    } catch {}
    if (server.exitCode !== null) throw new Error(`clickhouse-server exited with ${server.exitCode} before answering`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    http,
    root,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGTERM')
        await new Promise((r) => server.once('exit', r))
      }
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** `ceil(rows / batch)` batches of `batch` rows; batch `k` holds rows of one of {@link RUNS} runs, every metric in turn. */
export function benchBatches(rows, batch) {
  const make = (k) => {
    const b = new RecordBatchBuilder(`run-${String(k % RUNS).padStart(3, '0')}`, batch)
    const ids = METRICS.map((m) => b.metricId(m))
    const base = Math.floor(k / RUNS) * batch
    for (let i = 0; i < batch; i++) {
      const row = base + i
      b.append(ids[row % METRICS.length], Math.sin(row) + 1, Math.floor(row / METRICS.length), T0 + row * 10, NULL_INT32, NULL_INT32, -1)
    }
    return b.finish()
  }
  return Array.from({ length: Math.ceil(rows / batch) }, (_, k) => make(k))
}
