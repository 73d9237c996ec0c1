//! DDM, the Drift Detection Method (Gama, Medas, Castillo & Rodrigues, "Learning with Drift
//! Detection", SBIA 2004), as `ddm` of `@entrenar/drift` (river 0.26 `drift.binary.DDM`).

use crate::error::{check_number, js_number, ConfigError, Range};
use crate::{Detector, Signal};

/// Options of [`Ddm`]; defaults as river: warm start 30, warning 2, drift 3.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DdmOptions {
    /// Values needed before a warning or drift, an integer in [0, 1e12].
    pub warm_start: f64,
    /// Warning when p + s > p_min + w · s_min, in (0, 1e6].
    pub warning_threshold: f64,
    /// Drift when p + s > p_min + d · s_min, in (0, 1e6], at least the warning threshold.
    pub drift_threshold: f64,
}

impl Default for DdmOptions {
    fn default() -> Self {
        DdmOptions { warm_start: 30.0, warning_threshold: 2.0, drift_threshold: 3.0 }
    }
}

/// DDM over error indicators or rates in [0, 1]; `statistic` is (p + s − p_min) / s_min.
#[derive(Clone, Debug)]
pub struct Ddm {
    warm: f64,
    warn: f64,
    drift: f64,
    n: f64,
    p: f64,
    p_min: f64,
    s_min: f64,
    ps_min: f64,
    statistic: f64,
    drifted: bool,
}

impl Ddm {
    /// A detector, or the `@entrenar/drift` message for an invalid option.
    pub fn new(o: &DdmOptions) -> Result<Self, ConfigError> {
        let warm = check_number("warmStart", o.warm_start, 0.0, 1e12, Range { integer: true, ..Range::default() })?;
        let warn = check_number("warningThreshold", o.warning_threshold, 0.0, 1e6, Range { open_lo: true, ..Range::default() })?;
        let drift = check_number("driftThreshold", o.drift_threshold, 0.0, 1e6, Range { open_lo: true, ..Range::default() })?;
        if drift < warn {
            return Err(ConfigError::new(format_args!("driftThreshold {} must be at least warningThreshold {}", js_number(drift), js_number(warn))));
        }
        let mut d = Ddm { warm, warn, drift, n: 0.0, p: 0.0, p_min: 0.0, s_min: 0.0, ps_min: 0.0, statistic: 0.0, drifted: false };
        d.reset();
        Ok(d)
    }

    /// Error rate since the last reset/drift.
    pub fn error_rate(&self) -> f64 {
        self.p
    }

    fn clear(&mut self) {
        self.n = 0.0;
        self.p = 0.0;
        self.p_min = f64::INFINITY;
        self.s_min = f64::INFINITY;
        self.ps_min = f64::INFINITY;
        self.drifted = false;
    }
}

impl Detector for Ddm {
    const NAME: &'static str = "ddm";

    fn update(&mut self, x: f64) -> Signal {
        if !(0.0..=1.0).contains(&x) {
            return Signal::Invalid;
        }
        if self.drifted {
            self.clear();
        }
        self.n += 1.0;
        let n = self.n;
        self.p += (x - self.p) / n;
        let p = self.p;
        // Binomial standard deviation of the error rate (Gama et al. 2004).
        let s = ((p * (1.0 - p)) / n).sqrt();
        if n <= self.warm {
            return Signal::Stable;
        }
        if p + s <= self.ps_min {
            self.p_min = p;
            self.s_min = s;
            self.ps_min = p + s;
        }
        self.statistic = if self.s_min > 0.0 {
            (p + s - self.p_min) / self.s_min
        } else if p + s > self.ps_min {
            f64::INFINITY
        } else {
            0.0
        };
        if p + s > self.p_min + self.drift * self.s_min {
            self.drifted = true;
            return Signal::Drift;
        }
        if p + s > self.p_min + self.warn * self.s_min {
            Signal::Warning
        } else {
            Signal::Stable
        }
    }

    fn reset(&mut self) {
        self.clear();
        self.statistic = 0.0;
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
    fn warns_at_1084_and_drifts_at_1334_as_river() {
        let mut d = Ddm::new(&DdmOptions::default()).unwrap();
        let (drifts, warning) = river::run(&mut d, &river::bernoulli());
        assert_eq!(warning, Some(1084));
        assert_eq!(drifts[0], 1334);
    }

    #[test]
    fn values_outside_0_1_are_invalid() {
        let mut d = Ddm::new(&DdmOptions::default()).unwrap();
        for x in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            assert_eq!(d.update(x), Signal::Invalid);
        }
        assert_eq!(d.samples(), 0.0);
    }

    #[test]
    fn drift_below_warning_is_refused() {
        let e = Ddm::new(&DdmOptions { warning_threshold: 3.0, drift_threshold: 2.5, ..DdmOptions::default() }).unwrap_err();
        assert_eq!(e.message, "entrenar/drift: driftThreshold 2.5 must be at least warningThreshold 3");
    }
}
