//! KSWIN, Kolmogorov–Smirnov windowing (Raab, Heusinger & Schleif, Neurocomputing 2020), as `kswin`
//! of `@entrenar/drift` (river 0.26 `drift.KSWIN`), drawing the same seeded samples.

use crate::error::{check_number, ConfigError, Range};
use crate::ks;
use crate::random::Sfc32;
use crate::{Detector, Signal};

/// Options of [`Kswin`]; defaults as river: α 0.005, window 100, stat size 30, plus seed 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KswinOptions {
    /// Significance of the KS test (α), in (0, 1).
    pub alpha: f64,
    /// Sliding window length (n), an integer in [2, 1e7].
    pub window_size: f64,
    /// Length r of the recent sample and of the sample drawn from the older part, at most n / 2.
    pub stat_size: f64,
    /// Seed of the sampling, an integer in [0, 2^32 − 1].
    pub seed: f64,
}

impl Default for KswinOptions {
    fn default() -> Self {
        KswinOptions { alpha: 0.005, window_size: 100.0, stat_size: 30.0, seed: 1.0 }
    }
}

// r is small (30): an insertion sort, as the TypeScript detector (same order, same result).
fn insertion_sort(a: &mut [f64]) {
    for i in 1..a.len() {
        let v = a[i];
        let mut j = i;
        while j > 0 && a[j - 1] > v {
            a[j] = a[j - 1];
            j -= 1;
        }
        a[j] = v;
    }
}

/// KSWIN; `statistic` is the KS distance D of the last test.
#[derive(Clone, Debug)]
pub struct Kswin {
    seed: u32,
    ring: Vec<f64>,
    r: usize,
    perm: Vec<usize>,
    older: Vec<f64>,
    recent: Vec<f64>,
    keep: Vec<f64>,
    scratch: Vec<f64>,
    critical: f64,
    rng: Sfc32,
    head: usize,
    count: usize,
    statistic: f64,
    pending_restart: bool,
}

impl Kswin {
    /// A detector, or the `@entrenar/drift` message for an invalid option.
    pub fn new(o: &KswinOptions) -> Result<Self, ConfigError> {
        let int = Range { integer: true, ..Range::default() };
        let alpha = check_number("alpha", o.alpha, 0.0, 1.0, Range { open_lo: true, open_hi: true, ..Range::default() })?;
        let n = check_number("windowSize", o.window_size, 2.0, 1e7, int)?;
        let r = check_number("statSize", o.stat_size, 1.0, n, int)?;
        if 2.0 * r > n {
            return Err(ConfigError::new(format_args!("statSize {r} must be at most half of windowSize {n}")));
        }
        let seed = check_number("seed", o.seed, 0.0, 4_294_967_295.0, int)? as u32;
        let (n, r) = (n as usize, r as usize);
        let mut scratch = vec![0.0; r + 1];
        let mut k = 1;
        while k <= r && ks::p_value(k as f64 / r as f64, r, r, &mut scratch) > alpha {
            k += 1;
        }
        Ok(Kswin {
            seed,
            ring: vec![0.0; n],
            r,
            perm: (0..n - r).collect(),
            older: vec![0.0; r],
            recent: vec![0.0; r],
            keep: vec![0.0; r],
            scratch,
            critical: k as f64 / r as f64,
            rng: Sfc32::new(seed),
            head: 0,
            count: 0,
            statistic: 0.0,
            pending_restart: false,
        })
    }

    /// p-value of the last test (1 before the window first fills).
    pub fn p_value(&mut self) -> f64 {
        ks::p_value(self.statistic, self.r, self.r, &mut self.scratch)
    }
}

impl Detector for Kswin {
    const NAME: &'static str = "kswin";

    fn update(&mut self, x: f64) -> Signal {
        if !x.is_finite() {
            return Signal::Invalid;
        }
        let n = self.ring.len();
        let r = self.r;
        if self.pending_restart {
            // Raab et al. keep the newest r values as the start of the next concept.
            for k in 0..r {
                self.keep[k] = self.ring[(self.head + n - r + k) % n];
            }
            self.ring[..r].copy_from_slice(&self.keep);
            self.head = 0;
            self.count = r;
            self.pending_restart = false;
        }
        if self.count < n {
            self.ring[(self.head + self.count) % n] = x;
            self.count += 1;
        } else {
            self.ring[self.head] = x;
            self.head = if self.head + 1 == n { 0 } else { self.head + 1 };
        }
        if self.count < n {
            return Signal::Stable;
        }
        // r draws without replacement from the oldest n − r values (partial Fisher–Yates).
        let head = self.head;
        let len = self.perm.len();
        for k in 0..r {
            let j = k + self.rng.int(len - k);
            self.perm.swap(k, j);
            let at = head + self.perm[k];
            self.older[k] = self.ring[if at >= n { at - n } else { at }];
        }
        for k in 0..r {
            let at = head + n - r + k;
            self.recent[k] = self.ring[if at >= n { at - n } else { at }];
        }
        insertion_sort(&mut self.older);
        insertion_sort(&mut self.recent);
        let d = ks::statistic_sorted(&self.older, &self.recent);
        self.statistic = d;
        // river's rule: p ≤ α and D > 0.1 (p ≤ α ⇔ D ≥ the critical D).
        if d >= self.critical - 1e-12 && d > 0.1 {
            self.pending_restart = true;
            return Signal::Drift;
        }
        Signal::Stable
    }

    fn reset(&mut self) {
        self.rng = Sfc32::new(self.seed);
        for (i, p) in self.perm.iter_mut().enumerate() {
            *p = i;
        }
        self.head = 0;
        self.count = 0;
        self.statistic = 0.0;
        self.pending_restart = false;
    }

    fn statistic(&self) -> f64 {
        self.statistic
    }

    fn samples(&self) -> f64 {
        self.count as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detectors::river;

    #[test]
    fn fires_shortly_after_the_change_and_not_before() {
        let mut d = Kswin::new(&KswinOptions { alpha: 0.0001, seed: 42.0, ..KswinOptions::default() }).unwrap();
        let (drifts, _) = river::run(&mut d, &river::mean_shift());
        assert!((1000..=1030).contains(&drifts[0]), "{drifts:?}");
    }

    #[test]
    fn reset_replays_the_same_samples() {
        let xs = river::mean_shift();
        let mut d = Kswin::new(&KswinOptions::default()).unwrap();
        let a = river::run(&mut d, &xs);
        d.reset();
        assert_eq!(river::run(&mut d, &xs), a);
    }

    #[test]
    fn stat_size_above_half_the_window_is_refused() {
        let e = Kswin::new(&KswinOptions { window_size: 10.0, stat_size: 6.0, ..KswinOptions::default() }).unwrap_err();
        assert_eq!(e.message, "entrenar/drift: statSize 6 must be at most half of windowSize 10");
        let e = Kswin::new(&KswinOptions { seed: -1.0, ..KswinOptions::default() }).unwrap_err();
        assert_eq!(e.message, "entrenar/drift: seed must be an integer in [0, 4294967295], got -1");
    }
}
