import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The server binary, or undefined when the Debian package `clickhouse-server` is not installed. */
export function clickhouseBinary(): string | undefined {
  for (const p of ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server']) {
    try {
      accessSync(p, constants.X_OK)
      return p
    } catch {}
  }
  return undefined
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export interface RunningClickHouse {
  readonly url: string
  readonly httpPort: number
  readonly tcpPort: number
  /** Stops the server and removes its directory. */
  stop(): Promise<void>
  /** Stops the server (SIGTERM) and keeps its directory, so `startClickHouse` with `reuse` can bring it back. */
  halt(): Promise<void>
  readonly dir: string
}

/** Options of {@link startClickHouse}: fixed ports, extra XML inside `<yandex>`, or the directory of a halted server. */
export interface StartOptions {
  readonly httpPort?: number
  readonly tcpPort?: number
  readonly extraConfig?: string
  /** Restart a halted server on its directory (its data and configuration). */
  readonly reuse?: RunningClickHouse
}

/**
 * Starts `clickhouse-server` in the foreground with a configuration of its own in a temporary directory
 * (loopback only, free ports, no /etc files), and waits until it answers over HTTP.
 */
export async function startClickHouse(binary: string, options: StartOptions = {}): Promise<RunningClickHouse> {
  const reuse = options.reuse
  const dir = reuse ? reuse.dir : mkdtempSync(join(tmpdir(), 'entrenar-ch-'))
  if (!reuse) for (const d of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, d))
  const httpPort = reuse?.httpPort ?? options.httpPort ?? (await freePort())
  const tcpPort = reuse?.tcpPort ?? options.tcpPort ?? (await freePort())
  const interserver = await freePort()
  if (!reuse) writeFileSync(
    join(dir, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <interserver_http_port>${interserver}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <mark_cache_size>268435456</mark_cache_size>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
${options.extraConfig ?? ''}
</yandex>
`,
  )
  if (!reuse) writeFileSync(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`,
  )
  const child: ChildProcess = spawn(binary, [`--config-file=${join(dir, 'config.xml')}`], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${httpPort}`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`clickhouse-server exited with ${child.exitCode}: ${stderr}`)
    try {
      const r = await fetch(`${url}/?query=SELECT%201`)
      if (r.ok) break
    } catch {}
    if (i > 600) {
      child.kill('SIGKILL')
      throw new Error(`clickhouse-server did not answer on ${url}: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  const halt = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000)
      await exited
      clearTimeout(t)
    }
  }
  return {
    url,
    httpPort,
    tcpPort,
    dir,
    halt,
    async stop() {
      await halt()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
