/**
 * Node-only readers of what `@entrenar/andon` writes to a store directory: the incident log
 * (`<dir>/andon/incidents.jsonl`), streamed with bounded memory. Used by the CLI and the web dashboard.
 *
 * @module @entrenar/andon/node
 */
export { INCIDENT_LOG_MAX_LINE_BYTES, type IncidentLog, type IncidentLogOptions, type IncidentLogProblem, type IncidentLogProblemCode, readIncidentLog, readIncidentLogSync } from './node/incident-log.js'
