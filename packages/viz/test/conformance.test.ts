import { dashboardSuite, runConformance } from '@entrenar/core/conformance'
import { describe, it } from 'vitest'
import { createSvgDashboard, createTerminalDashboard } from '../src/index.js'

const api = { describe, it }
const quiet = { write: () => true, isTTY: false, columns: 100, rows: 40 }

runConformance(dashboardSuite, { name: 'terminal dashboard (braille)', create: () => createTerminalDashboard({ stream: quiet, live: false, width: 100, height: 40 }) }, api)
runConformance(dashboardSuite, { name: 'terminal dashboard (ASCII, 60 columns)', create: () => createTerminalDashboard({ stream: quiet, live: false, ascii: true, width: 60, height: 30 }) }, api)
runConformance(dashboardSuite, { name: 'SVG dashboard', create: () => createSvgDashboard() }, api)
