import { type AlertLevel, type Incident, levelRank } from '@entrenar/core'
import { openAppender } from '../node/io.js'
import type { AlertHandler } from '../types.js'
import { incidentToJson } from './format.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** Options of {@link jsonlFileHandler}. */
export interface JsonlFileHandlerOptions {
  /** fsync after each group of lines (default true: an incident whose write resolved survives a crash). */
  readonly fsync?: boolean
  /** Lowest level written (default info). */
  readonly minLevel?: AlertLevel
  /** Handler name in error reports. Default `jsonl <path>`. */
  readonly name?: string
  /** Refuse to write through a symbolic link at `path` (`O_NOFOLLOW`). Default false. */
  readonly noFollow?: boolean
}

/** Appends each incident as one JSON line (the core `IncidentWire` shape) to `path`. */
export function jsonlFileHandler(path: string, options: JsonlFileHandlerOptions = {}): AlertHandler {
  checkOptions('entrenar/andon: jsonlFileHandler', options, JSONL_FILE_HANDLER_OPTIONS)
  const out = openAppender(path, { fsync: options.fsync ?? true, noFollow: options.noFollow ?? false })
  const min = levelRank(options.minLevel ?? 'info')
  return {
    name: options.name ?? `jsonl ${path}`,
    handle(i: Incident) {
      if (levelRank(i.level) < min) return
      return out.append(JSON.stringify(incidentToJson(i)))
    },
    close: () => out.close(),
  }
}

/** The option names jsonlFileHandler accepts (unknown ones are errors). */
const JSONL_FILE_HANDLER_OPTIONS = optionKeys<NonNullable<Parameters<typeof jsonlFileHandler>[1]>>({ fsync: true, minLevel: true, name: true, noFollow: true })
