export { webDashboardHandler } from './dashboard.js'
export type { WebDashboardOptions } from './handler.js'
export { type ServeWebDashboardOptions, serveWebDashboard, type WebDashboardServer } from './serve.js'
