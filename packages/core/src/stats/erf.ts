// The error function and its complement, through the incomplete gamma function. Pure, browser-safe.
import { gammaP, gammaQ } from './gamma.js'

/**
 * Error function erf(x) = sign(x)·P(½, x²) (DLMF 7.11.1; SciPy `erf`). Relative precision is kept
 * near 0 because the series of P is used there, not 1 − erfc.
 */
export function erf(x: number): number {
  if (x !== x) return Number.NaN
  const p = gammaP(0.5, x * x)
  return x < 0 ? -p : p
}

/**
 * Complementary error function erfc(x) = 1 − erf(x) = Q(½, x²) for x ≥ 0 and 1 + P(½, x²) below
 * (DLMF 7.11.2; SciPy `erfc`); the upper tail keeps its relative precision down to underflow (x ≈ 26.5).
 */
export function erfc(x: number): number {
  if (x !== x) return Number.NaN
  return x < 0 ? 1 + gammaP(0.5, x * x) : gammaQ(0.5, x * x)
}
