/**
 * `@entrenar/core/stats`: the statistical special functions behind every p-value in Entrenar — the
 * normal, Student t, χ² and Kolmogorov distributions, the incomplete gamma and beta functions,
 * log-gamma and erf. Pure functions of numbers, no dependencies, browser-safe. Invalid parameters
 * (a non-positive degree of freedom, a probability outside [0, 1]) and NaN give NaN, as SciPy does.
 *
 * @module @entrenar/core/stats
 */
export { betaInc, logBeta } from './beta.js'
export { chiSquareCdf, chiSquareSurvival } from './chi-square.js'
export { erf, erfc } from './erf.js'
export { gammaP, gammaQ, logGamma, stirlingCorrection } from './gamma.js'
export { kolmogorovCdf, kolmogorovSurvival, ksExactSurvival } from './kolmogorov.js'
export { normalCdf, normalQuantile, normalSurvival, normalTwoSided } from './normal.js'
export { studentTCdf, studentTQuantile, studentTSurvival, studentTTwoSided } from './student-t.js'
