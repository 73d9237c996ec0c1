//! Page-Hinkley test (E. S. Page, "Continuous Inspection Schemes", Biometrika 41, 1954), as river 0.26
//! `drift.PageHinkley` and `pageHinkley` of `@entrenar/drift`.

use crate::error::{check_number, ConfigError, Range};
use crate::{Detector, Signal};

/// Which shifts a detector watches (`'both' | 'up' | 'down'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Mode {
    /// Increases and decreases (default).
    #[default]
    Both = 0,
    /// Increases of the mean only (e.g. a loss).
    Up = 1,
    /// Decreases of the mean only (e.g. an accuracy).
    Down = 2,
}

/// Options of [`PageHinkley`]; defaults as river: min_instances 30, δ 0.005, λ 50, α 1 − 0.0001, both.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageHinkleyOptions {
    /// Values needed before an alarm, an integer in [1, 1e12].
    pub min_instances: f64,
    /// Magnitude of change tolerated (δ), in [0, f64::MAX].
    pub delta: f64,
    /// Alarm threshold (λ), in (0, f64::MAX].
    pub threshold: f64,
    /// Forgetting factor on the cumulative sums, in (0, 1].
    pub alpha: f64,
    /// Watched direction.
    pub mode: Mode,
}

impl Default for PageHinkleyOptions {
    fn default() -> Self {
        PageHinkleyOptions { min_instances: 30.0, delta: 0.005, threshold: 50.0, alpha: 1.0 - 0.0001, mode: Mode::Both }
    }
}

/// Page-Hinkley detector; `statistic` is the larger watched test statistic (alarm when > λ).
#[derive(Clone, Debug)]
pub struct PageHinkley {
    min_instances: f64,
    delta: f64,
    threshold: f64,
    alpha: f64,
    up: bool,
    down: bool,
    n: f64,
    mean: f64,
    sum_up: f64,
    sum_down: f64,
    min_up: f64,
    max_down: f64,
    statistic: f64,
    drifted: bool,
    direction: Option<Mode>,
}

impl PageHinkley {
    /// A detector, or the `@entrenar/drift` message for an invalid option.
    pub fn new(o: &PageHinkleyOptions) -> Result<Self, ConfigError> {
        let min_instances = check_number("minInstances", o.min_instances, 1.0, 1e12, Range { integer: true, ..Range::default() })?;
        let delta = check_number("delta", o.delta, 0.0, f64::MAX, Range::default())?;
        let threshold = check_number("threshold", o.threshold, 0.0, f64::MAX, Range { open_lo: true, ..Range::default() })?;
        let alpha = check_number("alpha", o.alpha, 0.0, 1.0, Range { open_lo: true, ..Range::default() })?;
        Ok(PageHinkley {
            min_instances,
            delta,
            threshold,
            alpha,
            up: o.mode != Mode::Down,
            down: o.mode != Mode::Up,
            n: 0.0,
            mean: 0.0,
            sum_up: 0.0,
            sum_down: 0.0,
            min_up: f64::INFINITY,
            max_down: -1.0,
            statistic: 0.0,
            drifted: false,
            direction: None,
        })
    }

    /// Direction of the last drift (`Up`: the mean rose), `None` before any.
    pub fn direction(&self) -> Option<Mode> {
        self.direction
    }

    /// Running mean since the last reset/drift.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    fn clear(&mut self) {
        self.n = 0.0;
        self.mean = 0.0;
        self.sum_up = 0.0;
        self.sum_down = 0.0;
        self.min_up = f64::INFINITY;
        self.max_down = -1.0;
        self.drifted = false;
    }
}

impl Detector for PageHinkley {
    const NAME: &'static str = "page_hinkley";

    fn update(&mut self, x: f64) -> Signal {
        if !x.is_finite() {
            return Signal::Invalid;
        }
        if self.drifted {
            self.clear();
        }
        self.n += 1.0;
        let n = self.n;
        self.mean += (x - self.mean) / n;
        let dev = x - self.mean;
        self.sum_up = self.alpha * self.sum_up + dev - self.delta;
        self.sum_down = self.alpha * self.sum_down + dev + self.delta;
        if self.sum_up < self.min_up {
            self.min_up = self.sum_up;
        }
        if self.sum_down > self.max_down {
            self.max_down = self.sum_down;
        }
        let up = if self.up { self.sum_up - self.min_up } else { 0.0 };
        let down = if self.down { self.max_down - self.sum_down } else { 0.0 };
        self.statistic = up.max(down);
        if n >= self.min_instances && self.statistic > self.threshold {
            self.drifted = true;
            self.direction = Some(if up > down { Mode::Up } else { Mode::Down });
            return Signal::Drift;
        }
        Signal::Stable
    }

    fn reset(&mut self) {
        self.clear();
        self.statistic = 0.0;
        self.direction = None;
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
    fn fires_at_1006_on_the_mean_shift_stream_as_river() {
        let mut d = PageHinkley::new(&PageHinkleyOptions::default()).unwrap();
        assert_eq!(river::run(&mut d, &river::mean_shift()).0, vec![1006]);
        assert_eq!(d.direction(), Some(Mode::Up));
    }

    #[test]
    fn mode_down_ignores_a_rise() {
        let o = PageHinkleyOptions { mode: Mode::Down, ..PageHinkleyOptions::default() };
        let mut d = PageHinkley::new(&o).unwrap();
        assert!(river::run(&mut d, &river::mean_shift()).0.is_empty());
    }

    #[test]
    fn non_finite_values_are_invalid_and_not_counted() {
        let mut d = PageHinkley::new(&PageHinkleyOptions::default()).unwrap();
        d.update(1.0);
        assert_eq!(d.update(f64::NAN), Signal::Invalid);
        assert_eq!(d.update(f64::INFINITY), Signal::Invalid);
        assert_eq!(d.samples(), 1.0);
    }

    #[test]
    fn invalid_options_give_the_typescript_messages() {
        let e = PageHinkley::new(&PageHinkleyOptions { threshold: 0.0, ..PageHinkleyOptions::default() }).unwrap_err();
        assert_eq!(e.message, "entrenar/drift: threshold must be a number in (0, 1.7976931348623157e+308], got 0");
        let e = PageHinkley::new(&PageHinkleyOptions { min_instances: 0.5, ..PageHinkleyOptions::default() }).unwrap_err();
        assert_eq!(e.message, "entrenar/drift: minInstances must be an integer in [1, 1000000000000], got 0.5");
    }
}
