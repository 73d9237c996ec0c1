//! Two-sample Kolmogorov–Smirnov pieces KSWIN needs, as `@entrenar/core/stats` and
//! `@entrenar/drift`'s `stats/ks.ts` compute them.

use crate::fdlibm::exp;

const SQRT_2PI: f64 = 2.506_628_274_631_000_2;
const PI2_OVER_8: f64 = 1.233_700_550_136_169_7;

/// D of two sorted samples: walks both, stepping over ties together.
pub fn statistic_sorted(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (a.len(), b.len());
    let (mut i, mut j) = (0, 0);
    let mut d = 0.0;
    while i < na && j < nb {
        let x = a[i].min(b[j]);
        while i < na && a[i] == x {
            i += 1;
        }
        while j < nb && b[j] == x {
            j += 1;
        }
        let diff = (i as f64 / na as f64 - j as f64 / nb as f64).abs();
        if diff > d {
            d = diff;
        }
    }
    d
}

/// Exact two-sided P(D ≥ d) for sizes n, m without ties (lattice paths of R's `psmirnov2x`),
/// normalised per row so nothing overflows. `u` is scratch of length > max(n, m).
pub fn exact_survival(d: f64, n: usize, m: usize, u: &mut Vec<f64>) -> f64 {
    if d.is_nan() {
        return f64::NAN;
    }
    if d <= 0.0 {
        return 1.0;
    }
    let small = n.min(m);
    let large = n.max(m);
    let (sf, lf) = (small as f64, large as f64);
    // Statistic values are multiples of 1/(n m): round to the lattice so float noise cannot move d.
    let q = (0.5 + (d * sf * lf - 1e-7).floor()) / (sf * lf);
    if u.len() <= large {
        u.resize(large + 1, 0.0);
    }
    for (j, v) in u.iter_mut().enumerate().take(large + 1) {
        *v = if j as f64 / lf > q { 0.0 } else { 1.0 };
    }
    for i in 1..=small {
        let fi = i as f64;
        let w = fi / (fi + lf);
        u[0] = if fi / sf > q { 0.0 } else { w * u[0] };
        for j in 1..=large {
            u[j] = if (fi / sf - j as f64 / lf).abs() > q { 0.0 } else { w * u[j] + u[j - 1] };
        }
    }
    (1.0 - u[large]).clamp(0.0, 1.0)
}

fn large_lambda_series(lambda: f64) -> f64 {
    let x = exp(-2.0 * lambda * lambda);
    let x4 = x * x * x * x;
    2.0 * (x - x4 + x4 * x4 * x)
}

/// Kolmogorov's limiting survival P(K > λ) (Numerical Recipes' `qks`).
pub fn kolmogorov_survival(lambda: f64) -> f64 {
    if lambda.is_nan() {
        return f64::NAN;
    }
    if lambda < 1.18 {
        return 1.0 - kolmogorov_cdf(lambda);
    }
    large_lambda_series(lambda)
}

fn kolmogorov_cdf(lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    if lambda >= 1.18 {
        return 1.0 - large_lambda_series(lambda);
    }
    let y = exp(-PI2_OVER_8 / (lambda * lambda));
    if y == 0.0 {
        return 0.0;
    }
    // `powi` and V8's `**` can differ in the last bit. This term only enters p-values above ~0.12 of
    // windows with statSize > 100: KSWIN's alarm compares D with a critical D found once from α, so
    // only an α within an ulp of such a p-value could move it; the reported `p_value` may differ by an ulp.
    (SQRT_2PI / lambda) * (y + y.powi(9) + y.powi(25) + y.powi(49))
}

/// Two-sided p-value of D for sizes n, m: exact when n·m ≤ 10 000, Stephens' corrected asymptotic above.
pub fn p_value(d: f64, n: usize, m: usize, scratch: &mut Vec<f64>) -> f64 {
    if (n as f64) * (m as f64) <= 10_000.0 {
        return exact_survival(d, n, m, scratch);
    }
    let en = ((n as f64 * m as f64) / (n as f64 + m as f64)).sqrt();
    kolmogorov_survival((en + 0.12 + 0.11 / en) * d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disjoint_samples_of_three() {
        let d = statistic_sorted(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]);
        assert_eq!(d, 1.0);
        // scipy.stats.ks_2samp([1,2,3],[4,5,6]).pvalue == 0.1
        assert!((p_value(d, 3, 3, &mut Vec::new()) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn ties_step_together() {
        assert_eq!(statistic_sorted(&[1.0, 1.0, 2.0], &[1.0, 1.0, 2.0]), 0.0);
    }

    #[test]
    fn asymptotic_tail_is_monotone() {
        let mut s = Vec::new();
        assert!(p_value(0.1, 200, 200, &mut s) > p_value(0.2, 200, 200, &mut s));
        assert_eq!(kolmogorov_survival(0.0), 1.0);
    }
}
