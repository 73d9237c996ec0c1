//! ADWIN, adaptive windowing (Bifet & Gavaldà, "Learning from Time-Changing Data with Adaptive
//! Windowing", SDM 2007), over an exponential histogram, as `adwin` of `@entrenar/drift`.

use crate::detectors::page_hinkley::Mode;
use crate::error::{check_number, ConfigError, Range};
use crate::fdlibm::log;
use crate::{Detector, Signal};

/// Options of [`Adwin`]; defaults as river 0.26 `drift.ADWIN`: δ 0.002, clock 32, max_buckets 5,
/// min_window_length 5, grace_period 10, mode both.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdwinOptions {
    /// Confidence of the cut test (δ), in (0, 1).
    pub delta: f64,
    /// Cuts are checked every `clock` values, an integer in [1, 1e9].
    pub clock: f64,
    /// Buckets per row of the histogram (M), an integer in [2, 1000].
    pub max_buckets: f64,
    /// Smallest sub-window either side of a cut, an integer in [1, 1e9].
    pub min_window_length: f64,
    /// Values needed before the first check, an integer in [0, 1e12].
    pub grace_period: f64,
    /// Which changes answer drift (the window adapts to every change either way).
    pub mode: Mode,
}

impl Default for AdwinOptions {
    fn default() -> Self {
        AdwinOptions { delta: 0.002, clock: 32.0, max_buckets: 5.0, min_window_length: 5.0, grace_period: 10.0, mode: Mode::Both }
    }
}

// Rows of the histogram hold buckets of 2^row values; 64 rows cover any stream a double can count.
const ROWS: usize = 64;

fn size(row: usize) -> f64 {
    // Exact: 2^row for row < 64.
    (1u64 << row) as f64
}

/// ADWIN; `statistic` is the largest |μ₀ − μ₁| / ε_cut of the last check (a cut when > 1).
#[derive(Clone, Debug)]
pub struct Adwin {
    delta: f64,
    clock: u64,
    m: usize,
    min_len: f64,
    grace: f64,
    up: bool,
    down: bool,
    // Row r, slot k (k = 0 oldest) lives at r * (M + 1) + k.
    totals: Vec<f64>,
    vars: Vec<f64>,
    counts: [usize; ROWS],
    rows: usize,
    width: f64,
    total: f64,
    variance: f64,
    tick: u64,
    statistic: f64,
}

impl Adwin {
    /// A detector, or the `@entrenar/drift` message for an invalid option.
    pub fn new(o: &AdwinOptions) -> Result<Self, ConfigError> {
        let int = Range { integer: true, ..Range::default() };
        let delta = check_number("delta", o.delta, 0.0, 1.0, Range { open_lo: true, open_hi: true, ..Range::default() })?;
        let clock = check_number("clock", o.clock, 1.0, 1e9, int)?;
        let m = check_number("maxBuckets", o.max_buckets, 2.0, 1000.0, int)?;
        let min_len = check_number("minWindowLength", o.min_window_length, 1.0, 1e9, int)?;
        let grace = check_number("gracePeriod", o.grace_period, 0.0, 1e12, int)?;
        let m = m as usize;
        Ok(Adwin {
            delta,
            clock: clock as u64,
            m,
            min_len,
            grace,
            up: o.mode != Mode::Down,
            down: o.mode != Mode::Up,
            totals: vec![0.0; ROWS * (m + 1)],
            vars: vec![0.0; ROWS * (m + 1)],
            counts: [0; ROWS],
            rows: 1,
            width: 0.0,
            total: 0.0,
            variance: 0.0,
            tick: 0,
            statistic: 0.0,
        })
    }

    /// Values summarised by the current window.
    pub fn width(&self) -> f64 {
        self.width
    }

    /// Mean of the current window (ADWIN's estimate).
    pub fn mean(&self) -> f64 {
        if self.width > 0.0 {
            self.total / self.width
        } else {
            0.0
        }
    }

    /// Population variance of the current window.
    pub fn variance(&self) -> f64 {
        if self.width > 0.0 {
            self.variance / self.width
        } else {
            0.0
        }
    }

    fn insert(&mut self, x: f64) {
        let slot = self.counts[0];
        self.totals[slot] = x;
        self.vars[slot] = 0.0;
        self.counts[0] = slot + 1;
        self.width += 1.0;
        // Incremental variance of the whole window (Babcock et al., PODS 2003), as river's adwin_c.pyx.
        if self.width > 1.0 {
            let d = x - self.total / (self.width - 1.0);
            self.variance += ((self.width - 1.0) * d * d) / self.width;
        }
        self.total += x;
        self.compress();
    }

    // Exponential histogram (Datar et al. 2002): when a row holds M + 1 buckets, its two oldest merge
    // into one bucket of the next row.
    fn compress(&mut self) {
        let stride = self.m + 1;
        for row in 0..ROWS - 1 {
            if self.counts[row] != stride {
                return;
            }
            let base = row * stride;
            let size = size(row);
            let t = &mut self.totals;
            let v = &mut self.vars;
            let mu1 = t[base] / size;
            let mu2 = t[base + 1] / size;
            let next = (row + 1) * stride + self.counts[row + 1];
            t[next] = t[base] + t[base + 1];
            v[next] = v[base] + v[base + 1] + (size * size * (mu1 - mu2) * (mu1 - mu2)) / (2.0 * size);
            self.counts[row + 1] += 1;
            if row + 1 >= self.rows {
                self.rows = row + 2;
            }
            t.copy_within(base + 2..base + stride, base);
            v.copy_within(base + 2..base + stride, base);
            self.counts[row] = stride - 2;
        }
    }

    fn delete_oldest(&mut self) {
        let stride = self.m + 1;
        let row = self.rows - 1;
        let base = row * stride;
        let n = size(row);
        let u = self.totals[base];
        let mu = u / n;
        self.width -= n;
        self.total -= u;
        let mu_w = if self.width > 0.0 { self.total / self.width } else { 0.0 };
        self.variance -= self.vars[base] + (n * self.width * (mu - mu_w) * (mu - mu_w)) / (n + self.width);
        if self.width == 0.0 || self.variance < 0.0 {
            self.variance = 0.0;
        }
        self.counts[row] -= 1;
        let c = self.counts[row];
        self.totals.copy_within(base + 1..base + 1 + c, base);
        self.vars.copy_within(base + 1..base + 1 + c, base);
        if c == 0 && self.rows > 1 {
            self.rows -= 1;
        }
    }

    // The cut test in river's form: δ' = ln(2 ln W / δ), 1/m = 1/(n₀ − L + 1) + 1/(n₁ − L + 1),
    // ε = √(2 (1/m) σ²_W δ') + (2/3) δ' (1/m); drop the oldest bucket while some cut has |μ₀ − μ₁| > ε.
    fn detect(&mut self) -> bool {
        let stride = self.m + 1;
        let min_len = self.min_len;
        let mut changed = false;
        let mut alarm = false;
        let mut first = -1.0;
        let mut again = true;
        while again {
            again = false;
            let mut best = 0.0;
            if self.width < 2.0 * min_len {
                break;
            }
            let delta_prime = log((2.0 * log(self.width)) / self.delta);
            let var_w = self.variance / self.width;
            let mut n0 = 0.0;
            let mut n1 = self.width;
            let mut u0 = 0.0;
            let mut u1 = self.total;
            'scan: for row in (0..self.rows).rev() {
                let size = size(row);
                let count = self.counts[row];
                let base = row * stride;
                for k in 0..count {
                    let t = self.totals[base + k];
                    n0 += size;
                    n1 -= size;
                    u0 += t;
                    u1 -= t;
                    if row == 0 && k == count - 1 {
                        break 'scan;
                    }
                    if n0 < min_len || n1 < min_len {
                        continue;
                    }
                    let m_recip = 1.0 / (n0 - min_len + 1.0) + 1.0 / (n1 - min_len + 1.0);
                    let eps = (2.0 * m_recip * var_w * delta_prime).sqrt() + (2.0 / 3.0) * delta_prime * m_recip;
                    let signed = u1 / n1 - u0 / n0;
                    let diff = signed.abs();
                    let ratio = diff / eps;
                    if ratio > best {
                        best = ratio;
                    }
                    if diff > eps {
                        changed = true;
                        if if signed > 0.0 { self.up } else { self.down } {
                            alarm = true;
                        }
                        again = true;
                        self.delete_oldest();
                        break 'scan;
                    }
                }
            }
            // The statistic reports the evidence of the first scan, before any bucket was dropped.
            if first < 0.0 {
                first = best;
            }
        }
        self.statistic = if first > 0.0 { first } else { 0.0 };
        changed && alarm
    }
}

impl Detector for Adwin {
    const NAME: &'static str = "adwin";

    fn update(&mut self, x: f64) -> Signal {
        if !x.is_finite() {
            return Signal::Invalid;
        }
        self.insert(x);
        self.tick += 1;
        if self.tick % self.clock == 0 && self.width > self.grace {
            return if self.detect() { Signal::Drift } else { Signal::Stable };
        }
        Signal::Stable
    }

    fn reset(&mut self) {
        self.counts = [0; ROWS];
        self.rows = 1;
        self.width = 0.0;
        self.total = 0.0;
        self.variance = 0.0;
        self.tick = 0;
        self.statistic = 0.0;
    }

    fn statistic(&self) -> f64 {
        self.statistic
    }

    fn samples(&self) -> f64 {
        self.width
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detectors::river;

    #[test]
    fn fires_first_at_1023_and_never_before_the_change_as_river() {
        let mut d = Adwin::new(&AdwinOptions::default()).unwrap();
        let (drifts, _) = river::run(&mut d, &river::mean_shift());
        assert_eq!(drifts[0], 1023);
        assert!(drifts.iter().all(|&i| i >= 1000));
        // `adwin()` of @entrenar/drift ends this stream with the same window, mean and statistic.
        assert_eq!((d.width(), d.mean(), d.variance(), d.statistic()), (1008.0, 5.436507936507937, 1.3927941546989178, 0.4138454779835693));
    }

    #[test]
    fn mode_down_follows_a_rise_silently() {
        let mut d = Adwin::new(&AdwinOptions { mode: Mode::Down, ..AdwinOptions::default() }).unwrap();
        let (drifts, _) = river::run(&mut d, &river::mean_shift());
        assert!(drifts.is_empty());
        assert_eq!(d.width(), 1008.0, "the window still dropped the old concept");
    }

    #[test]
    fn a_long_stream_keeps_the_histogram_bounded() {
        let mut d = Adwin::new(&AdwinOptions::default()).unwrap();
        for i in 0..200_000 {
            d.update(f64::from(i % 7));
        }
        assert_eq!(d.width(), 200_000.0);
        assert!((d.mean() - 3.0).abs() < 0.01);
        assert!(d.rows < 20);
    }

    #[test]
    fn invalid_options_give_the_typescript_messages() {
        let e = Adwin::new(&AdwinOptions { delta: 1.0, ..AdwinOptions::default() }).unwrap_err();
        assert_eq!(e.message, "entrenar/drift: delta must be a number in (0, 1), got 1");
        let e = Adwin::new(&AdwinOptions { max_buckets: 1.0, ..AdwinOptions::default() }).unwrap_err();
        assert_eq!(e.message, "entrenar/drift: maxBuckets must be an integer in [2, 1000], got 1");
    }
}
