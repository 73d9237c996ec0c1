import { type AlertLevel, type Incident, levelRank } from '@entrenar/core'
import { env, stderr } from '../node/io.js'
import type { AlertHandler } from '../types.js'
import { incidentLine } from './format.js'
import { checkOptions, optionKeys } from '@entrenar/core'

/** ANSI colours per level: info cyan, warning yellow, error red, critical bold white on red. */
const COLOURS: Record<AlertLevel, [string, string]> = {
  info: ['\x1b[36m', '\x1b[39m'],
  warning: ['\x1b[33m', '\x1b[39m'],
  error: ['\x1b[31m', '\x1b[39m'],
  critical: ['\x1b[1;37;41m', '\x1b[0m'],
}

/** Options of {@link consoleHandler}. */
export interface ConsoleHandlerOptions {
  /** Where lines go (default: stderr). */
  readonly stream?: {
    /** Writes one line. */
    write(text: string): void
    /** Colour the lines when true (and `NO_COLOR` is unset). */
    readonly isTTY?: boolean
  }
  /** Colour: default on a TTY unless `NO_COLOR` is set (no-color.org). */
  readonly color?: boolean
  /** Lowest level printed (default info). */
  readonly minLevel?: AlertLevel
}

/**
 * Prints `"<emoji> [LEVEL] rule: message"` per incident, as entrenar's `AndonSystem` logs to stderr.
 * Colour honours `NO_COLOR` (any non-empty value disables it, per no-color.org) and `FORCE_COLOR`.
 */
export function consoleHandler(options: ConsoleHandlerOptions = {}): AlertHandler {
  checkOptions('entrenar/andon: consoleHandler', options, CONSOLE_HANDLER_OPTIONS)
  const stream = options.stream ?? stderr()
  const noColor = (env('NO_COLOR') ?? '') !== ''
  const force = (env('FORCE_COLOR') ?? '') !== '' && env('FORCE_COLOR') !== '0'
  const color = options.color ?? (!noColor && (force || stream.isTTY === true))
  const min = levelRank(options.minLevel ?? 'info')
  return {
    name: 'console',
    handle(i: Incident) {
      if (levelRank(i.level) < min) return
      const line = incidentLine(i)
      const [on, off] = COLOURS[i.level]
      stream.write(color ? `${on}${line}${off}\n` : `${line}\n`)
    },
  }
}

/** The option names consoleHandler accepts (unknown ones are errors). */
const CONSOLE_HANDLER_OPTIONS = optionKeys<NonNullable<Parameters<typeof consoleHandler>[0]>>({ stream: true, color: true, minLevel: true })
