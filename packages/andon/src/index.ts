/**
 * `@entrenar/andon`: alert levels, the default training rules (non-finite values, divergence, accuracy drop,
 * plateau, stall, gradient explosion and vanishing gradients, drift), stop-the-line decisions with an
 * `AbortSignal`, `renacer.toml` budgets, notification handlers and backtesting of rules on stored runs.
 *
 * @module @entrenar/andon
 */
export { createAndon, decisionRank } from './andon.js'
export { type BacktestFiring, type BacktestOptions, type BacktestReport, type BacktestRuleSummary, type BacktestRules, type BacktestRun, backtest } from './backtest.js'
export { type Assertion, assertionsToBudgets, loadRenacerConfig, MAX_RENACER_BYTES, MAX_RENACER_DEPTH, parseRenacerConfig, type RenacerConfig, type RenacerWarning } from './config/renacer.js'
export { type ConsoleHandlerOptions, consoleHandler } from './handlers/console.js'
export { EMOJI, incidentLine, incidentToJson } from './handlers/format.js'
export { type JsonlFileHandlerOptions, jsonlFileHandler } from './handlers/jsonl-file.js'
export { PAGERDUTY_EVENTS_URL, type PagerDutyOptions, pagerDutyHandler, pagerDutyPayload } from './handlers/pagerduty.js'
export { slackHandler, slackPayload } from './handlers/slack.js'
export { type WebhookOptions, webhookHandler } from './handlers/webhook.js'
export { incidentsPath, silencesPath } from './node/io.js'
export { type ServeAndonOptions, serveAndon } from './node/serve.js'
export { DEFAULTS as DEFAULT_RULES } from './rules/defaults.js'
export { parseDuration } from './silence/duration.js'
export { formatMatcher, parseMatcher } from './silence/matcher.js'
export { SILENCE_RETENTION_MS, silenceState } from './silence/registry.js'
export { asSilenceService } from './silence/service.js'
export { openSilences, type SilenceStore, type SilenceStoreOptions } from './silence/store.js'
export type {
  AccuracyDropRule,
  AlertAction,
  AlertHandler,
  AlertHandlerFn,
  Andon,
  AndonConfig,
  AndonSettings,
  AndonStats,
  AssertionBudget,
  Budget,
  DivergenceRule,
  DriftMapping,
  GradientExplosionRule,
  HandlerSpec,
  InhibitRule,
  MemoryProbes,
  NonFiniteRule,
  PlateauRule,
  RuleBase,
  RuleSet,
  StallRule,
  StopHook,
  ThresholdRule,
  VanishingGradientsRule,
} from './types.js'
