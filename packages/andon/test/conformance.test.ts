import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asSilenceService, createAndon, openSilences, serveAndon } from '@entrenar/andon'
import { alertPolicySuite, runConformance, silenceServiceSuite } from '@entrenar/core/conformance'
import { type AlertPolicyService, alertPolicyContract, asAlertPolicyService, createHttpClient, createHttpHandler, silenceContract } from '@entrenar/core'
import { type RunningServer, serveHandler } from '@entrenar/core/node'
import { describe, it } from 'vitest'

const api = { describe, it }
const andons = new WeakMap<object, { close(): Promise<void> }>()

runConformance(
  alertPolicySuite,
  {
    name: 'andon',
    create: () => {
      const andon = createAndon({ runId: 'conf' })
      const svc = asAlertPolicyService(andon)
      andons.set(svc, andon)
      return svc
    },
    destroy: async (s) => andons.get(s)?.close(),
  },
  api,
)

const servers = new WeakMap<object, RunningServer>()
runConformance(
  alertPolicySuite,
  {
    name: 'andon over HTTP',
    create: async () => {
      const andon = createAndon({ runId: 'conf-http' })
      const server = await serveHandler(createHttpHandler(alertPolicyContract, asAlertPolicyService(andon)))
      const client = createHttpClient(alertPolicyContract, server.url)
      servers.set(client, server)
      andons.set(client, andon)
      return client
    },
    destroy: async (c: AlertPolicyService) => {
      await servers.get(c)?.close()
      await andons.get(c)?.close()
    },
  },
  api,
)

// Any server that speaks the andon contract (`entrenar serve`, a Rust bridge): ENTRENAR_ANDON_CONFORMANCE_URL=http://…
// The server must give a fresh default-configured Andon per case, so `reset` runs before each one.
const remote = process.env.ENTRENAR_ANDON_CONFORMANCE_URL
if (remote) {
  runConformance(
    alertPolicySuite,
    {
      name: `remote ${remote}`,
      create: async () => {
        const token = process.env.ENTRENAR_CONFORMANCE_TOKEN
        const client = createHttpClient(alertPolicyContract, remote, token ? { token } : {})
        await client.reset()
        return client
      },
    },
    api,
  )
}

const silenceServers = new WeakMap<object, { close(): Promise<void> }[]>()
runConformance(
  silenceServiceSuite,
  {
    name: 'andon silences',
    create: () => {
      const andon = createAndon({ runId: 'conf-silences', timers: false })
      const svc = asSilenceService(andon)
      silenceServers.set(svc, [andon])
      return svc
    },
    destroy: async (s) => {
      for (const x of silenceServers.get(s) ?? []) await x.close()
    },
  },
  api,
)
runConformance(
  silenceServiceSuite,
  {
    name: 'andon silences over HTTP (serveAndon)',
    create: async () => {
      const andon = createAndon({ runId: 'conf-silences-http', timers: false })
      const server = await serveAndon(andon)
      const client = createHttpClient(silenceContract, server.url)
      silenceServers.set(client, [server, andon])
      return client
    },
    destroy: async (s) => {
      for (const x of silenceServers.get(s) ?? []) await x.close()
    },
  },
  api,
)
runConformance(
  silenceServiceSuite,
  {
    name: 'openSilences (a store directory, no running Andon)',
    create: () => {
      const store = openSilences(mkdtempSync(join(tmpdir(), 'andon-conf-silences-')))
      silenceServers.set(store, [store])
      return store
    },
    destroy: async (s) => {
      for (const x of silenceServers.get(s) ?? []) await x.close()
    },
  },
  api,
)
