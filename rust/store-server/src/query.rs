//! The typed query's reference semantics, as `@entrenar/core`'s `query/execute.ts` and
//! `query/aggregate.ts` define them: rows of a series ordered by (step, timestamp), stable; aggregates
//! over finite values (count over every row, min/max over non-NaN); step/time buckets; and
//! spike-preserving `minmax-last` downsampling. The arithmetic is done in the same order so that
//! answers agree bit for bit with the TypeScript stores.

use crate::wire::{Bucket, SeriesWire, WireFloat};
use std::cmp::Ordering;

/// Aggregates a query may ask for, in the wire's order.
pub const AGGREGATES: [&str; 11] = [
    "mean", "min", "max", "sum", "count", "std", "p50", "p90", "p99", "first", "last",
];

/// One ordered series: steps (as float64, as they travel), timestamps and values.
pub struct Columns {
    pub step: Vec<f64>,
    pub ts: Vec<f64>,
    pub value: Vec<f64>,
}

/// Orders rows by (step, timestamp), stable (so rows equal in both keep their arrival order).
pub fn order(mut c: Columns) -> Columns {
    let n = c.step.len();
    let sorted = (1..n).all(|i| {
        let (a, b) = (c.step[i - 1], c.step[i]);
        !(a > b || (a == b && c.ts[i - 1] > c.ts[i]))
    });
    if sorted {
        return c;
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| {
        c.step[a]
            .partial_cmp(&c.step[b])
            .unwrap_or(Ordering::Equal)
            .then(c.ts[a].partial_cmp(&c.ts[b]).unwrap_or(Ordering::Equal))
            .then(a.cmp(&b))
    });
    let pick = |col: &[f64]| idx.iter().map(|&i| col[i]).collect::<Vec<f64>>();
    c = Columns {
        step: pick(&c.step),
        ts: pick(&c.ts),
        value: pick(&c.value),
    };
    c
}

fn wire(v: Vec<f64>) -> Vec<WireFloat> {
    v.into_iter().map(WireFloat).collect()
}

/// One aggregate over `values` (see the module doc for the semantics of each).
pub fn aggregate(kind: &str, values: &[f64]) -> f64 {
    let n = values.len();
    match kind {
        "count" => n as f64,
        "first" => values.first().copied().unwrap_or(f64::NAN),
        "last" => values.last().copied().unwrap_or(f64::NAN),
        "min" | "max" => {
            let is_min = kind == "min";
            let mut best = f64::NAN;
            for &v in values {
                if v.is_nan() {
                    continue;
                }
                if best.is_nan() || (if is_min { v < best } else { v > best }) {
                    best = v;
                }
            }
            best
        }
        "sum" | "mean" | "std" => {
            // Welford (1962), in the order the TypeScript reference uses.
            let (mut count, mut mean, mut m2, mut sum) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
            for &v in values {
                if !v.is_finite() {
                    continue;
                }
                count += 1.0;
                sum += v;
                let d = v - mean;
                mean += d / count;
                m2 += d * (v - mean);
            }
            if count == 0.0 {
                f64::NAN
            } else if kind == "sum" {
                sum
            } else if kind == "mean" {
                mean
            } else if count < 2.0 {
                0.0
            } else {
                (m2 / (count - 1.0)).sqrt()
            }
        }
        _ => {
            let q = match kind {
                "p50" => 0.5,
                "p90" => 0.9,
                _ => 0.99,
            };
            let mut buf: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            buf.sort_by(|a, b| a.total_cmp(b));
            quantile_of_sorted(&buf, q)
        }
    }
}

/// Quantile `q` of ascending `sorted` with linear interpolation (numpy's default); NaN when empty.
pub fn quantile_of_sorted(sorted: &[f64], q: f64) -> f64 {
    let m = sorted.len();
    if m == 0 {
        return f64::NAN;
    }
    let pos = (m - 1) as f64 * q;
    let lo = pos.floor() as usize;
    let hi = (m - 1).min(lo + 1);
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// Shapes one ordered series as the query asks: raw, one aggregate, buckets or `minmax-last`.
pub fn shape(
    run_id: &str,
    metric: &str,
    agg: Option<&str>,
    bucket: Option<Bucket>,
    s: Columns,
) -> SeriesWire {
    let base = SeriesWire {
        run_id: run_id.to_string(),
        metric: metric.to_string(),
        ..Default::default()
    };
    match bucket {
        None => match agg {
            None => SeriesWire {
                x: wire(s.step),
                value: wire(s.value),
                timestamp_us: Some(wire(s.ts)),
                ..base
            },
            Some(kind) => {
                let max_step =
                    s.step
                        .iter()
                        .copied()
                        .fold(f64::NEG_INFINITY, |m, x| if x > m { x } else { m });
                let nan = s.value.iter().filter(|v| v.is_nan()).count() as f64;
                SeriesWire {
                    x: vec![WireFloat(max_step)],
                    value: vec![WireFloat(aggregate(kind, &s.value))],
                    count: Some(vec![WireFloat(s.value.len() as f64)]),
                    nan_count: Some(vec![WireFloat(nan)]),
                    ..base
                }
            }
        },
        Some(Bucket::MinMaxLast(points)) => min_max_last(base, &s, points),
        Some(Bucket::Step(size)) => bucketed(base, &s.step, &s.value, size, agg.unwrap_or("mean")),
        Some(Bucket::Time(size)) => bucketed(base, &s.ts, &s.value, size, agg.unwrap_or("mean")),
    }
}

fn bucketed(base: SeriesWire, key: &[f64], value: &[f64], size: f64, agg: &str) -> SeriesWire {
    let n = key.len();
    let bk: Vec<f64> = key.iter().map(|k| (k / size).floor() * size).collect();
    let ordered = (1..n).all(|i| bk[i - 1] <= bk[i]);
    let (keys, vals) = if ordered {
        (bk, value.to_vec())
    } else {
        // Time buckets of out-of-order steps: order rows by bucket key, stable.
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|&a, &c| {
            bk[a]
                .partial_cmp(&bk[c])
                .unwrap_or(Ordering::Equal)
                .then(a.cmp(&c))
        });
        (
            idx.iter().map(|&i| bk[i]).collect(),
            idx.iter().map(|&i| value[i]).collect(),
        )
    };
    let (mut xs, mut out, mut counts, mut nans) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && keys[end] == keys[start] {
            end += 1;
        }
        let slice = &vals[start..end];
        xs.push(keys[start]);
        out.push(aggregate(agg, slice));
        counts.push((end - start) as f64);
        nans.push(slice.iter().filter(|v| v.is_nan()).count() as f64);
        start = end;
    }
    SeriesWire {
        x: wire(xs),
        value: wire(out),
        count: Some(wire(counts)),
        nan_count: Some(wire(nans)),
        ..base
    }
}

/// At most `points` buckets of equal step width; each keeps min, max (over non-NaN values) and the
/// last value; `x` is the step of the bucket's last row. Rows are ordered by step, so buckets come
/// in order and only the non-empty ones are materialised (memory does not grow with `points`).
fn min_max_last(base: SeriesWire, s: &Columns, points: f64) -> SeriesWire {
    let n = s.step.len();
    let (mut x, mut last, mut mn, mut mx, mut count, mut nan) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    if n > 0 {
        let lo = s.step[0];
        let hi = s.step[n - 1];
        let width = (hi - lo + 1.0) / points;
        let mut current = f64::NAN;
        for i in 0..n {
            let k = (points - 1.0).min(((s.step[i] - lo) / width).floor());
            if k != current {
                current = k;
                x.push(0.0);
                last.push(0.0);
                mn.push(f64::NAN);
                mx.push(f64::NAN);
                count.push(0.0);
                nan.push(0.0);
            }
            let j = x.len() - 1;
            let v = s.value[i];
            count[j] += 1.0;
            x[j] = s.step[i];
            last[j] = v;
            if v.is_nan() {
                nan[j] += 1.0;
                continue;
            }
            if mn[j].is_nan() || v < mn[j] {
                mn[j] = v;
            }
            if mx[j].is_nan() || v > mx[j] {
                mx[j] = v;
            }
        }
    }
    SeriesWire {
        x: wire(x),
        value: wire(last),
        min: Some(wire(mn)),
        max: Some(wire(mx)),
        count: Some(wire(count)),
        nan_count: Some(wire(nan)),
        ..base
    }
}

/// Orders strings as JavaScript's `<` does: by UTF-16 code units (not by code points).
pub fn js_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: &[WireFloat]) -> Vec<f64> {
        v.iter().map(|w| w.0).collect()
    }

    #[test]
    fn aggregates_match_the_reference() {
        let vals = [4.0, 2.0, f64::NAN, 8.0, f64::INFINITY, 6.0];
        assert_eq!(aggregate("mean", &vals), 5.0);
        assert_eq!(aggregate("sum", &vals), 20.0);
        assert_eq!(aggregate("count", &vals), 6.0);
        assert_eq!(aggregate("min", &vals), 2.0);
        assert_eq!(aggregate("max", &vals), f64::INFINITY);
        assert!((aggregate("std", &vals) - (20.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(aggregate("p50", &vals), 5.0);
        assert!((aggregate("p90", &vals) - 7.4).abs() < 1e-12);
        assert_eq!(aggregate("first", &vals), 4.0);
        assert_eq!(aggregate("last", &vals), 6.0);
        assert!(aggregate("mean", &[f64::NAN]).is_nan());
        assert_eq!(aggregate("std", &[3.0]), 0.0);
    }

    #[test]
    fn order_is_by_step_then_time_and_stable() {
        let c = order(Columns {
            step: vec![3.0, 1.0, 2.0, 1.0],
            ts: vec![0.0, 0.0, 0.0, 5.0],
            value: vec![3.0, 1.0, 2.0, 1.5],
        });
        assert_eq!(c.step, vec![1.0, 1.0, 2.0, 3.0]);
        assert_eq!(c.value, vec![1.0, 1.5, 2.0, 3.0]);
    }

    #[test]
    fn step_buckets() {
        let s = Columns {
            step: (1..=7).map(f64::from).collect(),
            ts: vec![0.0; 7],
            value: (1..=7).map(|x| f64::from(x) * 10.0).collect(),
        };
        let out = shape("r", "m", None, Some(Bucket::Step(3.0)), s);
        assert_eq!(f(&out.x), vec![0.0, 3.0, 6.0]);
        assert_eq!(f(&out.value), vec![15.0, 40.0, 65.0]);
        assert_eq!(f(out.count.as_ref().unwrap()), vec![2.0, 3.0, 2.0]);
    }

    #[test]
    fn minmax_last_keeps_spikes_and_counts_nan() {
        let n = 1000;
        let step: Vec<f64> = (0..n).map(f64::from).collect();
        let value: Vec<f64> = (0..n)
            .map(|s| {
                if s == 517 {
                    1e6
                } else if s == 800 {
                    f64::NAN
                } else {
                    1.0
                }
            })
            .collect();
        let out = shape(
            "r",
            "m",
            None,
            Some(Bucket::MinMaxLast(10.0)),
            Columns {
                step,
                ts: vec![0.0; 1000],
                value,
            },
        );
        assert_eq!(out.x.len(), 10);
        assert_eq!(
            f(out.max.as_ref().unwrap())
                .into_iter()
                .fold(f64::MIN, f64::max),
            1e6
        );
        assert_eq!(f(out.nan_count.as_ref().unwrap()).iter().sum::<f64>(), 1.0);
        assert_eq!(f(out.count.as_ref().unwrap()).iter().sum::<f64>(), 1000.0);
        assert_eq!(out.x[9].0, 999.0);
        // A huge `points` allocates per non-empty bucket only.
        let big = shape(
            "r",
            "m",
            None,
            Some(Bucket::MinMaxLast(1e15)),
            Columns {
                step: vec![1.0, 2.0],
                ts: vec![0.0; 2],
                value: vec![1.0, 2.0],
            },
        );
        assert_eq!(big.x.len(), 2);
    }

    #[test]
    fn js_order_is_utf16() {
        // U+10000 sorts after U+FF61 by code point but before it by UTF-16 code unit (0xD800 < 0xFF61).
        assert_eq!("\u{10000}".cmp("\u{FF61}"), Ordering::Greater);
        assert_eq!(js_cmp("\u{10000}", "\u{FF61}"), Ordering::Less);
        assert_eq!(js_cmp("a", "b"), Ordering::Less);
    }
}
