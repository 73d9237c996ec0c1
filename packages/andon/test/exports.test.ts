import * as andon from '@entrenar/andon'
import * as andonNode from '@entrenar/andon/node'
import { describe, expect, it } from 'vitest'

describe('public API', () => {
  it('pins every exported name', () => {
    expect(Object.keys(andon).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_RULES",
        "EMOJI",
        "MAX_RENACER_BYTES",
        "MAX_RENACER_DEPTH",
        "PAGERDUTY_EVENTS_URL",
        "SILENCE_RETENTION_MS",
        "asSilenceService",
        "assertionsToBudgets",
        "backtest",
        "consoleHandler",
        "createAndon",
        "decisionRank",
        "formatMatcher",
        "incidentLine",
        "incidentToJson",
        "incidentsPath",
        "jsonlFileHandler",
        "loadRenacerConfig",
        "openSilences",
        "pagerDutyHandler",
        "pagerDutyPayload",
        "parseDuration",
        "parseMatcher",
        "parseRenacerConfig",
        "serveAndon",
        "silenceState",
        "silencesPath",
        "slackHandler",
        "slackPayload",
        "webhookHandler",
      ]
    `)
  })

  it('pins the names of the node entry', () => {
    expect(Object.keys(andonNode).sort()).toEqual(['INCIDENT_LOG_MAX_LINE_BYTES', 'readIncidentLog', 'readIncidentLogSync'])
  })

  it('rejects an invalid webhook URL at construction', () => {
    expect(() => andon.webhookHandler({ url: 'not a url' })).toThrow(expect.objectContaining({ code: 'ENTRENAR_INVALID_CONFIG' }))
    expect(() => andon.webhookHandler({ url: 'ftp://x/y' })).toThrow(/not http\(s\)/)
  })

  it('manual alerts carry the run id', () => {
    const a = andon.createAndon({ runId: 'r7', timers: false })
    a.trigger({ level: 'info', rule: 'manual', message: 'm', timestampMs: 1 })
    expect(a.history()[0]!.runId).toBe('r7')
  })
})
