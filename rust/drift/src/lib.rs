//! Streaming change detectors of `@entrenar/drift` in Rust, with a C ABI.
//!
//! Page-Hinkley, ADWIN, KSWIN, DDM, EDDM and HDDM_A with the same options, defaults and signals as
//! the TypeScript package (river 0.26 semantics). Each detector is a plain Rust type implementing
//! [`Detector`]; the [`ffi`] module exposes them to C (and to Node through koffi) as opaque handles.
//!
//! The arithmetic follows the TypeScript implementations operation for operation, with `log` and
//! `exp` computed as JavaScript computes them ([`fdlibm`]), so the same stream gives the same signals
//! at the same indices, and the same statistics bit for bit, in both languages.

#![deny(missing_docs)]

pub mod detectors;
pub mod error;
pub mod fdlibm;
pub mod ffi;
pub mod ks;
pub mod random;

pub use detectors::adwin::{Adwin, AdwinOptions};
pub use detectors::ddm::{Ddm, DdmOptions};
pub use detectors::eddm::{Eddm, EddmOptions};
pub use detectors::hddm_a::{HddmA, HddmAOptions};
pub use detectors::kswin::{Kswin, KswinOptions};
pub use detectors::page_hinkley::{Mode, PageHinkley, PageHinkleyOptions};
pub use error::ConfigError;

/// What one update of a change detector says (`DetectorSignal` of `@entrenar/core`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Signal {
    /// Nothing happened.
    Stable = 0,
    /// A change may be starting.
    Warning = 1,
    /// A change was detected.
    Drift = 2,
    /// The value was outside the detector's domain (NaN, ±Inf, or not an error indicator): reported,
    /// never folded into the statistic.
    Invalid = 3,
}

/// A streaming change detector: the Rust face of core's `ChangeDetector` contract.
pub trait Detector {
    /// Detector kind as `@entrenar/drift` names it (`page_hinkley`, `adwin`, …).
    const NAME: &'static str;
    /// Feeds one value and returns what the detector says now.
    fn update(&mut self, x: f64) -> Signal;
    /// Restores the initial state.
    fn reset(&mut self);
    /// The test statistic after the last update (meaning per detector).
    fn statistic(&self) -> f64;
    /// Values consumed since creation or the last reset/drift (the detector's own count).
    fn samples(&self) -> f64;
}
