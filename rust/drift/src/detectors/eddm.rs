//! EDDM, the Early Drift Detection Method (Baena-García et al., 2006), as `eddm` of
//! `@entrenar/drift` (river 0.26 `drift.binary.EDDM`).

use crate::error::{check_number, js_number, ConfigError, Range};
use crate::{Detector, Signal};

/// Options of [`Eddm`]; defaults as river: warm start 30, α 0.95, β 0.9.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EddmOptions {
    /// Values, and errors, needed before an alarm, an integer in [0, 1e12].
    pub warm_start: f64,
    /// Warning when (p' + 2s') / (p'max + 2s'max) < α, in (0, 1].
    pub alpha: f64,
    /// Drift when the ratio < β, in (0, 1], at most α.
    pub beta: f64,
}

impl Default for EddmOptions {
    fn default() -> Self {
        EddmOptions { warm_start: 30.0, alpha: 0.95, beta: 0.9 }
    }
}

/// EDDM over 0/1 error indicators; `statistic` is the ratio (p' + 2s') / max.
#[derive(Clone, Debug)]
pub struct Eddm {
    warm: f64,
    alpha: f64,
    beta: f64,
    n: f64,
    errors: f64,
    last_error: f64,
    // Welford mean/variance of the distances between consecutive errors.
    mean: f64,
    m2: f64,
    max: f64,
    statistic: f64,
    drifted: bool,
    warning: bool,
}

impl Eddm {
    /// A detector, or the `@entrenar/drift` message for an invalid option.
    pub fn new(o: &EddmOptions) -> Result<Self, ConfigError> {
        let warm = check_number("warmStart", o.warm_start, 0.0, 1e12, Range { integer: true, ..Range::default() })?;
        let alpha = check_number("alpha", o.alpha, 0.0, 1.0, Range { open_lo: true, ..Range::default() })?;
        let beta = check_number("beta", o.beta, 0.0, 1.0, Range { open_lo: true, ..Range::default() })?;
        if alpha < beta {
            return Err(ConfigError::new(format_args!("alpha {} must be at least beta {}", js_number(alpha), js_number(beta))));
        }
        let mut d =
            Eddm { warm, alpha, beta, n: 0.0, errors: 0.0, last_error: 0.0, mean: 0.0, m2: 0.0, max: -1.0, statistic: 1.0, drifted: false, warning: false };
        d.reset();
        Ok(d)
    }

    fn clear(&mut self) {
        self.n = 0.0;
        self.errors = 0.0;
        self.last_error = 0.0;
        self.mean = 0.0;
        self.m2 = 0.0;
        self.max = -1.0;
        self.drifted = false;
        self.warning = false;
    }
}

impl Detector for Eddm {
    const NAME: &'static str = "eddm";

    fn update(&mut self, x: f64) -> Signal {
        if x != 0.0 && x != 1.0 {
            return Signal::Invalid;
        }
        if self.drifted {
            self.clear();
        }
        self.n += 1.0;
        let n = self.n;
        if x == 1.0 {
            self.errors += 1.0;
            let e = self.errors;
            let dist = n - self.last_error;
            let d = dist - self.mean;
            self.mean += d / e;
            self.m2 += d * (dist - self.mean);
            self.last_error = n;
            if n > self.warm {
                // river's stats.Var uses ddof = 1 (0 for a single distance).
                let s = if e > 1.0 { (self.m2 / (e - 1.0)).sqrt() } else { 0.0 };
                let p2s = self.mean + 2.0 * s;
                if p2s > self.max {
                    self.max = p2s;
                } else if e > self.warm {
                    let level = p2s / self.max;
                    self.statistic = level;
                    if level < self.beta {
                        self.drifted = true;
                        self.warning = false;
                        return Signal::Drift;
                    }
                    self.warning = level < self.alpha;
                }
            }
        }
        // As river, the warning state holds between errors.
        if self.warning {
            Signal::Warning
        } else {
            Signal::Stable
        }
    }

    fn reset(&mut self) {
        self.clear();
        self.statistic = 1.0;
    }

    fn statistic(&self) -> f64 {
        self.statistic
    }

    fn samples(&self) -> f64 {
        self.n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detectors::river;

    #[test]
    fn warns_at_1059_and_drifts_at_1278_as_river() {
        let mut d = Eddm::new(&EddmOptions { alpha: 0.8, beta: 0.75, ..EddmOptions::default() }).unwrap();
        let (drifts, warning) = river::run(&mut d, &river::bernoulli());
        assert_eq!(warning, Some(1059));
        assert_eq!(drifts[0], 1278);
    }

    #[test]
    fn only_0_and_1_are_valid() {
        let mut d = Eddm::new(&EddmOptions::default()).unwrap();
        assert_eq!(d.update(0.5), Signal::Invalid);
        assert_eq!(d.update(f64::NAN), Signal::Invalid);
        assert_eq!(d.update(1.0), Signal::Stable);
        assert_eq!(d.samples(), 1.0);
    }

    #[test]
    fn alpha_below_beta_is_refused() {
        let e = Eddm::new(&EddmOptions { alpha: 0.5, beta: 0.75, ..EddmOptions::default() }).unwrap_err();
        assert_eq!(e.message, "entrenar/drift: alpha 0.5 must be at least beta 0.75");
    }
}
