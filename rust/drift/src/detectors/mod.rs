//! The detectors, one file each (as `packages/drift/src/detectors/`).

pub mod adwin;
pub mod ddm;
pub mod eddm;
pub mod hddm_a;
pub mod kswin;
pub mod page_hinkley;

#[cfg(test)]
pub(crate) mod river {
    //! river 0.26 docstring streams, shared with the TypeScript tests.
    const FIXTURE: &str = include_str!("../../../../packages/drift/test/fixtures/river-streams.json");

    fn stream(name: &str) -> Vec<f64> {
        let v: serde_json::Value = serde_json::from_str(FIXTURE).expect("fixture parses");
        v[name]["values"].as_array().expect("values").iter().map(|x| x.as_f64().expect("number")).collect()
    }

    /// `random.Random(12345)`: 1000 values of {0, 1}, then 1000 of {4..7}.
    pub fn mean_shift() -> Vec<f64> {
        stream("mean_shift")
    }

    /// Bernoulli errors, rate 0.5 then 0.7.
    pub fn bernoulli() -> Vec<f64> {
        stream("bernoulli")
    }

    /// Indices of drifts and of the first warning.
    pub fn run<D: crate::Detector>(d: &mut D, xs: &[f64]) -> (Vec<usize>, Option<usize>) {
        let mut drifts = Vec::new();
        let mut warning = None;
        for (i, &x) in xs.iter().enumerate() {
            match d.update(x) {
                crate::Signal::Drift => drifts.push(i),
                crate::Signal::Warning if warning.is_none() => warning = Some(i),
                _ => {}
            }
        }
        (drifts, warning)
    }
}
