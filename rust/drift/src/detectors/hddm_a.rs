//! HDDM_A, drift detection with Hoeffding's bounds and the moving-average test (Frías-Blanco et al.,
//! IEEE TKDE 27(3), 2015), as `hddmA` of `@entrenar/drift` (river 0.26 `drift.binary.HDDM_A`).

use crate::error::{check_number, js_number, ConfigError, Range};
use crate::fdlibm::log;
use crate::{Detector, Signal};

/// Options of [`HddmA`]; defaults as river: drift confidence 0.001, warning 0.005, one-sided.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HddmAOptions {
    /// Confidence of the drift test, in (0, 1).
    pub drift_confidence: f64,
    /// Confidence of the warning test, in (0, 1), at least the drift confidence.
    pub warning_confidence: f64,
    /// Also watch decreases of the mean.
    pub two_sided: bool,
}

impl Default for HddmAOptions {
    fn default() -> Self {
        HddmAOptions { drift_confidence: 0.001, warning_confidence: 0.005, two_sided: false }
    }
}

/// HDDM_A over values in [0, 1]; `statistic` is the rise of the mean since the cut point.
#[derive(Clone, Debug)]
pub struct HddmA {
    drift: f64,
    warn: f64,
    two_sided: bool,
    log_inv_drift: f64,
    // Global mean (z) and the two cut points (min tracks increases, max decreases).
    zn: f64,
    zm: f64,
    min_n: f64,
    min_m: f64,
    max_n: f64,
    max_m: f64,
    statistic: f64,
    drifted: bool,
}

impl HddmA {
    /// A detector, or the `@entrenar/drift` message for an invalid option.
    pub fn new(o: &HddmAOptions) -> Result<Self, ConfigError> {
        let open = Range { open_lo: true, open_hi: true, ..Range::default() };
        let drift = check_number("driftConfidence", o.drift_confidence, 0.0, 1.0, open)?;
        let warn = check_number("warningConfidence", o.warning_confidence, 0.0, 1.0, open)?;
        if warn < drift {
            return Err(ConfigError::new(format_args!("warningConfidence {} must be at least driftConfidence {}", js_number(warn), js_number(drift))));
        }
        Ok(HddmA {
            drift,
            warn,
            two_sided: o.two_sided,
            log_inv_drift: log(1.0 / drift),
            zn: 0.0,
            zm: 0.0,
            min_n: 0.0,
            min_m: 0.0,
            max_n: 0.0,
            max_m: 0.0,
            statistic: 0.0,
            drifted: false,
        })
    }

    fn bound(&self, n: f64) -> f64 {
        ((1.0 / (2.0 * n)) * self.log_inv_drift).sqrt()
    }

    // Hoeffding test of a change between the cut point and now.
    fn exceeds(&self, cut_n: f64, diff: f64, confidence: f64) -> bool {
        if cut_n == self.zn {
            return false;
        }
        let m = ((self.zn - cut_n) / cut_n) * (1.0 / self.zn);
        diff >= ((m / 2.0) * log(2.0 / confidence)).sqrt()
    }

    fn clear(&mut self) {
        self.zn = 0.0;
        self.zm = 0.0;
        self.min_n = 0.0;
        self.min_m = 0.0;
        self.max_n = 0.0;
        self.max_m = 0.0;
        self.drifted = false;
    }
}

impl Detector for HddmA {
    const NAME: &'static str = "hddm_a";

    fn update(&mut self, x: f64) -> Signal {
        if !(0.0..=1.0).contains(&x) {
            return Signal::Invalid;
        }
        if self.drifted {
            self.clear();
        }
        self.zn += 1.0;
        self.zm += (x - self.zm) / self.zn;
        if self.min_n == 0.0 {
            self.min_n = self.zn;
            self.min_m = self.zm;
        }
        if self.max_n == 0.0 {
            self.max_n = self.zn;
            self.max_m = self.zm;
        }
        let eps_z = self.bound(self.zn);
        if self.min_m + self.bound(self.min_n) >= self.zm + eps_z {
            self.min_n = self.zn;
            self.min_m = self.zm;
        }
        if self.max_m - self.bound(self.max_n) <= self.zm - eps_z {
            self.max_n = self.zn;
            self.max_m = self.zm;
        }
        let up = self.zm - self.min_m;
        let down = self.max_m - self.zm;
        self.statistic = if self.two_sided { up.max(down) } else { up };
        let mut signal = Signal::Stable;
        if self.exceeds(self.min_n, up, self.drift) {
            signal = Signal::Drift;
        } else if self.exceeds(self.min_n, up, self.warn) {
            signal = Signal::Warning;
        }
        if self.two_sided && signal != Signal::Drift {
            if self.exceeds(self.max_n, down, self.drift) {
                signal = Signal::Drift;
            } else if self.exceeds(self.max_n, down, self.warn) {
                signal = Signal::Warning;
            }
        }
        if signal == Signal::Drift {
            self.drifted = true;
        }
        signal
    }

    fn reset(&mut self) {
        self.clear();
        self.statistic = 0.0;
    }

    fn statistic(&self) -> f64 {
        self.statistic
    }

    fn samples(&self) -> f64 {
        self.zn
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detectors::river;

    #[test]
    fn warns_first_at_451_and_drifts_at_1206_as_river() {
        let mut d = HddmA::new(&HddmAOptions::default()).unwrap();
        let (drifts, warning) = river::run(&mut d, &river::bernoulli());
        assert_eq!(warning, Some(451));
        assert_eq!(drifts[0], 1206);
    }

    #[test]
    fn two_sided_catches_a_fall() {
        let falling: Vec<f64> = (0..2000).map(|i| if i < 1000 { f64::from(u8::from(i % 10 < 7)) } else { f64::from(u8::from(i % 10 < 2)) }).collect();
        let mut one = HddmA::new(&HddmAOptions::default()).unwrap();
        assert!(river::run(&mut one, &falling).0.is_empty());
        let mut two = HddmA::new(&HddmAOptions { two_sided: true, ..HddmAOptions::default() }).unwrap();
        let drifts = river::run(&mut two, &falling).0;
        assert!(!drifts.is_empty() && drifts[0] >= 1000, "{drifts:?}");
    }

    #[test]
    fn warning_below_drift_confidence_is_refused() {
        let e = HddmA::new(&HddmAOptions { drift_confidence: 0.01, warning_confidence: 0.005, ..HddmAOptions::default() }).unwrap_err();
        assert_eq!(e.message, "entrenar/drift: warningConfidence 0.005 must be at least driftConfidence 0.01");
    }
}
