import { alertPolicySuite, runConformance } from '@entrenar/core/conformance'
import { type AlertPolicyService, alertPolicyContract, asAlertPolicyService, createDefaultPolicy, createHttpClient, createHttpHandler } from '@entrenar/core'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import { describe, expect, it } from 'vitest'

const api = { describe, it }

runConformance(alertPolicySuite, { name: 'default policy', create: () => asAlertPolicyService(createDefaultPolicy()) }, api)

const servers = new WeakMap<object, RunningServer>()
runConformance(
  alertPolicySuite,
  {
    name: 'default policy over HTTP',
    create: async () => {
      const server = await serveHandler(createHttpHandler(alertPolicyContract, asAlertPolicyService(createDefaultPolicy())))
      const client = createHttpClient(alertPolicyContract, server.url)
      servers.set(client, server)
      return client
    },
    destroy: async (c: AlertPolicyService) => servers.get(c)?.close(),
  },
  api,
)

describe('alert policy wire form', () => {
  it('round-trips -0, ±Inf and drift severity over HTTP', async () => {
    const server = await serveHandler(createHttpHandler(alertPolicyContract, asAlertPolicyService(createDefaultPolicy())))
    try {
      const client = createHttpClient(alertPolicyContract, server.url)
      await client.trigger({ level: 'info', rule: 'manual', message: 'x', value: -0, step: 1, timestampMs: 5 })
      await client.observe({ kind: 'budget', budget: 'rss', value: Number.POSITIVE_INFINITY, limit: 10, step: 2, timestampMs: 6 })
      const h = await client.history()
      expect(Object.is(h[0]!.value, -0)).toBe(true)
      expect(h[1]!.rule).toBe('budget')
      const bad = await fetch(`${server.url}/v1/andon/trigger`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema_version: 1, alert: { level: 'fatal', rule: 'x', message: '', timestamp_ms: 1 } }) })
      expect(bad.status).toBe(400)
    } finally {
      await server.close()
    }
  })
})
