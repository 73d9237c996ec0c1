import type { Alert, AlertLevel } from '../contracts/alert.js'
import { ErrorCodes } from '../errors.js'
import type { AlertPolicyService } from '../http/alert-contract.js'
import { check, type ConformanceCase, type ConformanceSuite } from './harness.js'

const alert = (level: AlertLevel, id: string, extra: Partial<Alert> = {}): Alert => ({ level, rule: 'manual', message: `${id}: ${level} by hand`, timestampMs: 1_700_000_000_000, ...extra })

const cases: ConformanceCase<AlertPolicyService>[] = [
  {
    name: 'a fresh policy has an empty history and is neither stopped nor paused',
    async run(p) {
      check((await p.history()).length === 0, 'history is empty')
      const s = await p.status()
      check(!s.stopped && !s.paused && s.reason === undefined, `status ${JSON.stringify(s)}`)
    },
  },
  {
    name: 'INFO and WARNING are recorded and never stop',
    async run(p, { id }) {
      check((await p.trigger(alert('info', id))) !== 'stop', 'info does not stop')
      check((await p.trigger(alert('warning', id))) !== 'stop', 'warning does not stop')
      const h = await p.history()
      check(h.length === 2 && h[0]!.level === 'info' && h[1]!.level === 'warning', `history levels ${h.map((i) => i.level).join()}`)
      check(h.every((i) => i.decision !== 'stop'), 'no stop decision recorded')
      check(!(await p.status()).stopped, 'not stopped')
    },
  },
  {
    name: 'ERROR stops by default with an ENTRENAR_STOPPED reason',
    async run(p, { id }) {
      check((await p.trigger(alert('error', id, { metric: 'loss', step: 12 }))) === 'stop', 'error stops')
      const s = await p.status()
      check(s.stopped, 'stopped')
      check(s.reason?.code === ErrorCodes.STOPPED, `reason code ${s.reason?.code}`)
      check((await p.history())[0]?.decision === 'stop', 'incident decision is stop')
    },
  },
  {
    name: 'CRITICAL stops by default',
    async run(p, { id }) {
      check((await p.trigger(alert('critical', id))) === 'stop', 'critical stops')
      check((await p.status()).stopped, 'stopped')
    },
  },
  {
    name: 'history keeps incidents in order with their fields',
    async run(p, { id }) {
      const levels: AlertLevel[] = ['info', 'warning', 'info', 'warning']
      for (let i = 0; i < levels.length; i++) await p.trigger(alert(levels[i]!, id, { rule: `r${i}`, metric: 'm', step: i, value: i / 2, runId: id }))
      const h = await p.history()
      check(h.map((x) => x.rule).join() === 'r0,r1,r2,r3', `order ${h.map((x) => x.rule).join()}`)
      const last = h[3]!
      check(last.metric === 'm' && last.step === 3 && last.value === 1.5 && last.runId === id && last.message === `${id}: warning by hand`, 'fields round-trip')
      check(typeof last.timestampMs === 'number' && Number.isFinite(last.timestampMs), 'timestampMs is a number')
    },
  },
  {
    name: 'a finite loss continues and records nothing',
    async run(p) {
      for (let s = 0; s < 5; s++) check((await p.observeValue('loss', 1 / (s + 1), s)) === 'continue', `step ${s} continues`)
      check((await p.history()).length === 0, 'no incident')
      check(!(await p.status()).stopped, 'not stopped')
    },
  },
  {
    name: 'a non-finite loss stops at that very step, naming metric and step',
    async run(p) {
      await p.observeValue('loss', 0.9, 6)
      check((await p.observeValue('loss', Number.NaN, 7)) === 'stop', 'NaN loss stops')
      const s = await p.status()
      check(s.stopped && s.reason?.code === ErrorCodes.STOPPED, 'stopped with ENTRENAR_STOPPED')
      check(/loss/.test(s.reason?.message ?? '') && /\b7\b/.test(s.reason?.message ?? ''), `reason names metric and step: ${s.reason?.message}`)
      const h = await p.history()
      check(h.length >= 1 && h[0]!.metric === 'loss' && h[0]!.step === 7 && Number.isNaN(h[0]!.value), 'incident keeps metric, step and the NaN value')
    },
  },
  {
    name: '+Infinity is non-finite too',
    async run(p) {
      check((await p.observeValue('loss', Number.POSITIVE_INFINITY, 3)) === 'stop', '+Inf loss stops')
      check((await p.history())[0]?.value === Number.POSITIVE_INFINITY, 'value kept as +Inf')
    },
  },
  {
    name: 'the first stop reason is kept when more stops follow',
    async run(p, { id }) {
      await p.trigger(alert('critical', id, { message: `${id}: first` }))
      await p.trigger(alert('critical', id, { message: `${id}: second` }))
      const s = await p.status()
      check(s.reason?.message.includes(`${id}: first`) === true, `first reason kept: ${s.reason?.message}`)
      check((await p.history()).length === 2, 'both incidents recorded')
    },
  },
  {
    name: 'reset clears the history and gives a fresh, running policy',
    async run(p, { id }) {
      await p.trigger(alert('critical', id))
      check((await p.status()).stopped, 'stopped before reset')
      await p.reset()
      check((await p.history()).length === 0, 'history cleared')
      check(!(await p.status()).stopped, 'running after reset')
      check((await p.trigger(alert('error', id))) === 'stop', 'stops again after reset')
    },
  },
  {
    name: 'drift and budget events are observed without stopping by default',
    async run(p, { id }) {
      const d = await p.observe({ kind: 'drift', runId: id, metric: 'loss', step: 40, detector: 'page_hinkley', signal: 'drift', statistic: 12.5, timestampMs: 1_700_000_000_000 })
      check(d !== 'stop', `drift decision ${d}`)
      const h = await p.history()
      check(h.every((i) => i.decision !== 'stop'), 'no stop recorded')
      check(h.length <= 1 && (h.length === 0 || h[0]!.step === 40), 'at most one incident at the drift step')
      check(!(await p.status()).stopped, 'not stopped')
    },
  },
  {
    name: 'resume on a running policy answers false',
    async run(p) {
      check((await p.resume()) === false, 'nothing to resume')
      check(!(await p.status()).paused, 'not paused')
    },
  },
]

/**
 * The `AlertPolicy` suite, driven through the asynchronous {@link AlertPolicyService} face so that it
 * runs in process (`asAlertPolicyService(policy)`) and over HTTP (`createHttpClient(alertPolicyContract, url)`).
 * `create` must give a policy in its default configuration (a non-finite `loss` stops the line;
 * ERROR and CRITICAL stop; drift events do not).
 */
export const alertPolicySuite: ConformanceSuite<AlertPolicyService> = { contract: 'AlertPolicy', cases }
