export { type DataSet, iris, loadIris, mulberry32 } from './data.js'
export { Mlp, type StepResult } from './mlp.js'
export { fmt, type Output, runScenario, type Scenario, type ScenarioResult, summaryTable } from './run.js'
