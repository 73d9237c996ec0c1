// A TypeDoc plugin for one false alarm. The wire types are inferred from valibot schemas
// (`v.InferOutput<typeof RunInfoWire>`); TypeScript reports each property of such a mapped type with its
// declaration listed twice, so TypeDoc warns "X has multiple declarations with a comment" about a single
// comment, and the build (warnings are errors) fails. This drops that warning, and only when every location
// TypeDoc lists for it is the same line; two different comments on one symbol still fail the build.
const WARN = 2
const INFO = 1

/** @param {import('typedoc').Application} app */
export function load(app) {
  const logger = app.logger
  const log = logger.log.bind(logger)
  /** @type {{ message: string; level: number } | undefined} */
  let held
  logger.log = (message, level) => {
    if (held) {
      const warning = held
      held = undefined
      const at = /declared at:\n([\s\S]*)$/.exec(String(message))
      const lines = at ? at[1].split('\n').map((l) => l.trim()).filter(Boolean) : []
      if (level === INFO && lines.length > 1 && new Set(lines).size === 1) return
      log(warning.message, warning.level)
    }
    if (level === WARN && /has multiple declarations with a comment/.test(String(message))) {
      held = { message, level }
      return
    }
    log(message, level)
  }
}
