import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { batchFromRows } from '@entrenar/core'
import { describe, expect, it } from 'vitest'
import { startServer } from '../src/index.js'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

interface QueryAnswer {
  status: string
  data: { result: { metric: Record<string, string>; value: [number, string] }[] }
}

describe('a real Prometheus scrapes /metrics', () => {
  it('and its query API returns the training loss', async () => {
    const server = await startServer({ token: 'scrape-token' })
    const dir = mkdtempSync(join(tmpdir(), 'entrenar-prom-'))
    let prom: ChildProcess | undefined
    let log = ''
    try {
      const now = Date.now() * 1000
      await server.store.write(
        batchFromRows('prom-run', [
          { metric: 'loss', value: 0.7, step: 1, timestampUs: now - 2_000_000, epoch: 0, batch: null, tags: null },
          { metric: 'loss', value: 0.4375, step: 2, timestampUs: now - 1_000_000, epoch: 0, batch: null, tags: null },
          { metric: 'accuracy', value: Number.NaN, step: 2, timestampUs: now, epoch: 0, batch: null, tags: null },
          // Escaping through a real parser: quotes in HELP, a quote, backslash and newline in a label value.
          { metric: 'val acc "top1"', value: 0.25, step: 2, timestampUs: now, epoch: 0, batch: null, tags: { 'data set': 'a"b\\c\nd' } },
        ]),
      )
      const target = new URL(server.url).host
      writeFileSync(
        join(dir, 'prometheus.yml'),
        [
          'global:',
          '  scrape_interval: 1s',
          '  scrape_timeout: 1s',
          'scrape_configs:',
          '  - job_name: entrenar',
          '    authorization:',
          '      credentials: scrape-token',
          '    static_configs:',
          `      - targets: ['${target}']`,
          '',
        ].join('\n'),
      )
      const port = await freePort()
      prom = spawn(
        'prometheus',
        [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      )
      prom.stderr?.on('data', (d: Buffer) => {
        log += d.toString()
      })
      const exited = new Promise<never>((_, reject) => prom?.once('exit', (code) => reject(new Error(`prometheus exited with ${code}: ${log}`))))
      const deadline = Date.now() + 15_000
      let answer: QueryAnswer | undefined
      const poll = async () => {
        while (Date.now() < deadline) {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('entrenar_loss{run_id="prom-run"}')}`)
            if (res.ok) {
              const body = (await res.json()) as QueryAnswer
              if (body.data.result.length > 0) {
                answer = body
                return
              }
            }
          } catch {
            // not listening yet
          }
          await new Promise((r) => setTimeout(r, 250))
        }
      }
      await Promise.race([poll(), exited])
      expect(answer, `no sample within 15 s; prometheus log:\n${log}`).toBeDefined()
      expect(answer!.data.result[0]!.metric).toMatchObject({ __name__: 'entrenar_loss', run_id: 'prom-run', job: 'entrenar' })
      expect(Number(answer!.data.result[0]!.value[1])).toBe(0.4375)
      // NaN is data for Prometheus too.
      const nan = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=entrenar_accuracy`)).json()) as QueryAnswer
      expect(nan.data.result[0]!.value[1]).toBe('NaN')
      const odd = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=entrenar_val_acc_top1`)).json()) as QueryAnswer
      expect(odd.data.result[0]!.metric.data_set).toBe('a"b\\c\nd')
      expect(odd.data.result[0]!.value[1]).toBe('0.25')
      const up = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=up`)).json()) as QueryAnswer
      expect(up.data.result[0]!.value[1]).toBe('1')
    } finally {
      if (prom && prom.exitCode === null) {
        const gone = new Promise((r) => prom?.once('exit', r))
        prom.kill('SIGTERM')
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))])
        if (prom.exitCode === null) prom.kill('SIGKILL')
      }
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
