//! The C ABI: opaque handles, one call per value or per batch, status codes and error objects.
//!
//! Every entry point catches panics (`catch_unwind`) and checks its pointers, so nothing unwinds
//! across the boundary and a null pointer is an error, not a crash. Signals are the `ENTRENAR_SIGNAL_*`
//! bytes; [`ENTRENAR_SIGNAL_ERROR`] (255) answers an `update` on a null handle or after a panic.
//! A handle is not thread-safe: use one handle from one thread at a time.

use std::ffi::CString;
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use crate::detectors::adwin::{Adwin, AdwinOptions};
use crate::detectors::ddm::{Ddm, DdmOptions};
use crate::detectors::eddm::{Eddm, EddmOptions};
use crate::detectors::hddm_a::{HddmA, HddmAOptions};
use crate::detectors::kswin::{Kswin, KswinOptions};
use crate::detectors::page_hinkley::{Mode, PageHinkley, PageHinkleyOptions};
use crate::error::{ConfigError, INVALID_CONFIG};
use crate::{Detector, Signal};

/// Version of this C ABI; bumped on any change of a signature, struct layout or meaning.
pub const ENTRENAR_ABI_VERSION: u32 = 1;

/// `update` said nothing happened.
pub const ENTRENAR_SIGNAL_STABLE: u8 = 0;
/// `update` said a change may be starting.
pub const ENTRENAR_SIGNAL_WARNING: u8 = 1;
/// `update` detected a change.
pub const ENTRENAR_SIGNAL_DRIFT: u8 = 2;
/// The value was outside the detector's domain (NaN, ±Inf, or not an error indicator).
pub const ENTRENAR_SIGNAL_INVALID: u8 = 3;
/// No signal: the handle was null or the call panicked.
pub const ENTRENAR_SIGNAL_ERROR: u8 = 255;

/// Mode value: watch increases and decreases.
pub const ENTRENAR_MODE_BOTH: u8 = 0;
/// Mode value: watch increases only.
pub const ENTRENAR_MODE_UP: u8 = 1;
/// Mode value: watch decreases only.
pub const ENTRENAR_MODE_DOWN: u8 = 2;

/// Result of a call that can fail.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntrenarStatus {
    /// Success.
    Ok = 0,
    /// An option is out of range (code `ENTRENAR_INVALID_CONFIG`).
    InvalidConfig = 1,
    /// A required pointer was null, or a length too large to address (code `ENTRENAR_INVALID_ARGUMENT`).
    InvalidArgument = 2,
    /// A bug: the call panicked and was stopped at the boundary (code `ENTRENAR_INTERNAL`).
    Internal = 3,
}

impl EntrenarStatus {
    fn code(self) -> &'static [u8] {
        match self {
            EntrenarStatus::Ok => b"ENTRENAR_OK\0",
            EntrenarStatus::InvalidConfig => b"ENTRENAR_INVALID_CONFIG\0",
            EntrenarStatus::InvalidArgument => b"ENTRENAR_INVALID_ARGUMENT\0",
            EntrenarStatus::Internal => b"ENTRENAR_INTERNAL\0",
        }
    }
}

/// An error: a status, its stable string code and a message. Free with [`entrenar_error_free`].
pub struct EntrenarError {
    status: EntrenarStatus,
    message: CString,
}

fn fail(err: *mut *mut EntrenarError, status: EntrenarStatus, message: &str) -> EntrenarStatus {
    if !err.is_null() {
        // Messages never hold NUL; replace one rather than lose the message.
        let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
        // SAFETY: `err` is non-null and, by contract, points to writable storage for a pointer.
        unsafe { *err = Box::into_raw(Box::new(EntrenarError { status, message })) };
    }
    status
}

fn config_fail(err: *mut *mut EntrenarError, e: &ConfigError) -> EntrenarStatus {
    debug_assert_eq!(e.code(), INVALID_CONFIG);
    fail(err, EntrenarStatus::InvalidConfig, &e.message)
}

fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// The ABI version this library implements ([`ENTRENAR_ABI_VERSION`]); check it before any other call.
#[no_mangle]
pub extern "C" fn entrenar_abi_version() -> u32 {
    ENTRENAR_ABI_VERSION
}

/// The status of an error (`ENTRENAR_INTERNAL`'s status for a null error).
///
/// # Safety
/// `err` is null or an error from this library not yet freed.
#[no_mangle]
pub unsafe extern "C" fn entrenar_error_status(err: *const EntrenarError) -> EntrenarStatus {
    guard(EntrenarStatus::Internal, || match err.as_ref() {
        Some(e) => e.status,
        None => EntrenarStatus::Internal,
    })
}

/// The stable code of an error, e.g. `ENTRENAR_INVALID_CONFIG`; valid until the error is freed.
///
/// # Safety
/// `err` is null or an error from this library not yet freed.
#[no_mangle]
pub unsafe extern "C" fn entrenar_error_code(err: *const EntrenarError) -> *const c_char {
    guard(ptr::null(), || match err.as_ref() {
        Some(e) => e.status.code().as_ptr().cast(),
        None => EntrenarStatus::Internal.code().as_ptr().cast(),
    })
}

/// The message of an error (UTF-8, starts with `entrenar/drift: `); valid until the error is freed.
///
/// # Safety
/// `err` is null or an error from this library not yet freed.
#[no_mangle]
pub unsafe extern "C" fn entrenar_error_message(err: *const EntrenarError) -> *const c_char {
    guard(ptr::null(), || match err.as_ref() {
        Some(e) => e.message.as_ptr(),
        None => b"entrenar/drift: no error\0".as_ptr().cast(),
    })
}

/// Frees an error; null is accepted.
///
/// # Safety
/// `err` is null or an error from this library not yet freed; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn entrenar_error_free(err: *mut EntrenarError) {
    guard((), || {
        if !err.is_null() {
            drop(Box::from_raw(err));
        }
    })
}

// ---- shared bodies of the per-detector entry points ----

unsafe fn new_impl<C: Copy, O, D>(
    options: *const C,
    defaults: C,
    convert: impl FnOnce(&C) -> Result<O, ConfigError>,
    build: impl FnOnce(&O) -> Result<D, ConfigError>,
    out: *mut *mut D,
    err: *mut *mut EntrenarError,
) -> EntrenarStatus {
    if !err.is_null() {
        *err = ptr::null_mut();
    }
    let run = || {
        if out.is_null() {
            return fail(err, EntrenarStatus::InvalidArgument, "entrenar/drift: the out pointer for the new handle is null");
        }
        *out = ptr::null_mut();
        let c = if options.is_null() { defaults } else { *options };
        match convert(&c).and_then(|o| build(&o)) {
            Ok(d) => {
                *out = Box::into_raw(Box::new(d));
                EntrenarStatus::Ok
            }
            Err(e) => config_fail(err, &e),
        }
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(s) => s,
        Err(_) => fail(err, EntrenarStatus::Internal, "entrenar/drift: internal error (panic) while creating a detector"),
    }
}

unsafe fn free_impl<D>(h: *mut D) {
    guard((), || {
        if !h.is_null() {
            drop(Box::from_raw(h));
        }
    })
}

unsafe fn update_impl<D: Detector>(h: *mut D, x: f64) -> u8 {
    guard(ENTRENAR_SIGNAL_ERROR, || match h.as_mut() {
        Some(d) => d.update(x) as u8,
        None => ENTRENAR_SIGNAL_ERROR,
    })
}

unsafe fn update_batch_impl<D: Detector>(h: *mut D, xs: *const f64, n: usize, signals_out: *mut u8) -> EntrenarStatus {
    guard(EntrenarStatus::Internal, || {
        let d = match h.as_mut() {
            Some(d) => d,
            None => return EntrenarStatus::InvalidArgument,
        };
        if n == 0 {
            return EntrenarStatus::Ok;
        }
        if xs.is_null() || signals_out.is_null() || n > isize::MAX as usize / std::mem::size_of::<f64>() {
            return EntrenarStatus::InvalidArgument;
        }
        let xs = std::slice::from_raw_parts(xs, n);
        let out = std::slice::from_raw_parts_mut(signals_out, n);
        for (o, &x) in out.iter_mut().zip(xs) {
            *o = d.update(x) as u8;
        }
        EntrenarStatus::Ok
    })
}

unsafe fn reset_impl<D: Detector>(h: *mut D) -> EntrenarStatus {
    guard(EntrenarStatus::Internal, || match h.as_mut() {
        Some(d) => {
            d.reset();
            EntrenarStatus::Ok
        }
        None => EntrenarStatus::InvalidArgument,
    })
}

unsafe fn read<D, T>(h: *const D, f: impl FnOnce(&D) -> T, none: T) -> T
where
    T: Copy,
{
    let none_copy = none;
    guard(none, || match h.as_ref() {
        Some(d) => f(d),
        None => none_copy,
    })
}

fn mode_of(m: u8) -> Result<Mode, ConfigError> {
    match m {
        0 => Ok(Mode::Both),
        1 => Ok(Mode::Up),
        2 => Ok(Mode::Down),
        other => Err(ConfigError::new(format_args!("mode must be 0 (both), 1 (up) or 2 (down), got {other}"))),
    }
}

fn direction_byte(d: Option<Mode>) -> u8 {
    match d {
        None => 0,
        Some(m) => m as u8,
    }
}

// ---- Page-Hinkley ----

/// Options of a Page-Hinkley detector (see [`PageHinkleyOptions`]); numbers are doubles so that a
/// fraction or NaN reaches validation, `mode` is an `ENTRENAR_MODE_*` value.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EntrenarPageHinkleyOptions {
    /// Values needed before an alarm (integer ≥ 1). Default 30.
    pub min_instances: f64,
    /// Magnitude of change tolerated (δ ≥ 0). Default 0.005.
    pub delta: f64,
    /// Alarm threshold (λ > 0). Default 50.
    pub threshold: f64,
    /// Forgetting factor in (0, 1]. Default 0.9999.
    pub alpha: f64,
    /// `ENTRENAR_MODE_BOTH` (default), `_UP` or `_DOWN`.
    pub mode: u8,
}

/// A Page-Hinkley detector handle.
pub struct EntrenarPageHinkley(PageHinkley);

impl Detector for EntrenarPageHinkley {
    const NAME: &'static str = PageHinkley::NAME;
    fn update(&mut self, x: f64) -> Signal {
        self.0.update(x)
    }
    fn reset(&mut self) {
        self.0.reset()
    }
    fn statistic(&self) -> f64 {
        self.0.statistic()
    }
    fn samples(&self) -> f64 {
        self.0.samples()
    }
}

/// The default options (river's).
#[no_mangle]
pub extern "C" fn entrenar_page_hinkley_default_options() -> EntrenarPageHinkleyOptions {
    let d = PageHinkleyOptions::default();
    EntrenarPageHinkleyOptions { min_instances: d.min_instances, delta: d.delta, threshold: d.threshold, alpha: d.alpha, mode: d.mode as u8 }
}

/// Creates a detector into `*out`. `options` null means the defaults. On failure `*out` is null and,
/// when `err` is not null, `*err` receives an error to free with [`entrenar_error_free`].
///
/// # Safety
/// `options` is null or readable; `out` is writable; `err` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn entrenar_page_hinkley_new(
    options: *const EntrenarPageHinkleyOptions,
    out: *mut *mut EntrenarPageHinkley,
    err: *mut *mut EntrenarError,
) -> EntrenarStatus {
    new_impl(
        options,
        entrenar_page_hinkley_default_options(),
        |c| Ok(PageHinkleyOptions { min_instances: c.min_instances, delta: c.delta, threshold: c.threshold, alpha: c.alpha, mode: mode_of(c.mode)? }),
        |o| PageHinkley::new(o).map(EntrenarPageHinkley),
        out,
        err,
    )
}

/// Frees a detector; null is accepted.
///
/// # Safety
/// `h` is null or a live handle of this kind; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn entrenar_page_hinkley_free(h: *mut EntrenarPageHinkley) {
    free_impl(h)
}

/// Feeds one value; answers an `ENTRENAR_SIGNAL_*` byte.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_page_hinkley_update(h: *mut EntrenarPageHinkley, x: f64) -> u8 {
    update_impl(h, x)
}

/// Feeds `n` values in order, writing one signal per value into `signals_out`.
///
/// # Safety
/// `h` is null or a live handle; `xs` holds `n` readable doubles and `signals_out` `n` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn entrenar_page_hinkley_update_batch(h: *mut EntrenarPageHinkley, xs: *const f64, n: usize, signals_out: *mut u8) -> EntrenarStatus {
    update_batch_impl(h, xs, n, signals_out)
}

/// Restores the initial state.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_page_hinkley_reset(h: *mut EntrenarPageHinkley) -> EntrenarStatus {
    reset_impl(h)
}

/// The statistic after the last update (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_page_hinkley_statistic(h: *const EntrenarPageHinkley) -> f64 {
    read(h, |d| d.statistic(), f64::NAN)
}

/// Values consumed since creation or the last reset/drift (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_page_hinkley_samples(h: *const EntrenarPageHinkley) -> f64 {
    read(h, |d| d.samples(), f64::NAN)
}

/// Running mean since the last reset/drift (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_page_hinkley_mean(h: *const EntrenarPageHinkley) -> f64 {
    read(h, |d| d.0.mean(), f64::NAN)
}

/// Direction of the last drift: 0 none yet, `ENTRENAR_MODE_UP` or `ENTRENAR_MODE_DOWN`.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_page_hinkley_direction(h: *const EntrenarPageHinkley) -> u8 {
    read(h, |d| direction_byte(d.0.direction()), 0)
}

// ---- ADWIN ----

/// Options of an ADWIN detector (see [`AdwinOptions`]).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EntrenarAdwinOptions {
    /// Confidence of the cut test (δ) in (0, 1). Default 0.002.
    pub delta: f64,
    /// Cuts are checked every `clock` values (integer ≥ 1). Default 32.
    pub clock: f64,
    /// Buckets per histogram row (integer in [2, 1000]). Default 5.
    pub max_buckets: f64,
    /// Smallest sub-window either side of a cut (integer ≥ 1). Default 5.
    pub min_window_length: f64,
    /// Values needed before the first check (integer ≥ 0). Default 10.
    pub grace_period: f64,
    /// `ENTRENAR_MODE_BOTH` (default), `_UP` or `_DOWN`: which changes answer drift.
    pub mode: u8,
}

/// An ADWIN detector handle.
pub struct EntrenarAdwin(Adwin);

impl Detector for EntrenarAdwin {
    const NAME: &'static str = Adwin::NAME;
    fn update(&mut self, x: f64) -> Signal {
        self.0.update(x)
    }
    fn reset(&mut self) {
        self.0.reset()
    }
    fn statistic(&self) -> f64 {
        self.0.statistic()
    }
    fn samples(&self) -> f64 {
        self.0.samples()
    }
}

/// The default options (river's).
#[no_mangle]
pub extern "C" fn entrenar_adwin_default_options() -> EntrenarAdwinOptions {
    let d = AdwinOptions::default();
    EntrenarAdwinOptions {
        delta: d.delta,
        clock: d.clock,
        max_buckets: d.max_buckets,
        min_window_length: d.min_window_length,
        grace_period: d.grace_period,
        mode: d.mode as u8,
    }
}

/// Creates a detector into `*out`. `options` null means the defaults. On failure `*out` is null and,
/// when `err` is not null, `*err` receives an error to free with [`entrenar_error_free`].
///
/// # Safety
/// `options` is null or readable; `out` is writable; `err` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn entrenar_adwin_new(
    options: *const EntrenarAdwinOptions,
    out: *mut *mut EntrenarAdwin,
    err: *mut *mut EntrenarError,
) -> EntrenarStatus {
    new_impl(
        options,
        entrenar_adwin_default_options(),
        |c| {
            Ok(AdwinOptions {
                delta: c.delta,
                clock: c.clock,
                max_buckets: c.max_buckets,
                min_window_length: c.min_window_length,
                grace_period: c.grace_period,
                mode: mode_of(c.mode)?,
            })
        },
        |o| Adwin::new(o).map(EntrenarAdwin),
        out,
        err,
    )
}

/// Frees a detector; null is accepted.
///
/// # Safety
/// `h` is null or a live handle of this kind; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn entrenar_adwin_free(h: *mut EntrenarAdwin) {
    free_impl(h)
}

/// Feeds one value; answers an `ENTRENAR_SIGNAL_*` byte.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_adwin_update(h: *mut EntrenarAdwin, x: f64) -> u8 {
    update_impl(h, x)
}

/// Feeds `n` values in order, writing one signal per value into `signals_out`.
///
/// # Safety
/// `h` is null or a live handle; `xs` holds `n` readable doubles and `signals_out` `n` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn entrenar_adwin_update_batch(h: *mut EntrenarAdwin, xs: *const f64, n: usize, signals_out: *mut u8) -> EntrenarStatus {
    update_batch_impl(h, xs, n, signals_out)
}

/// Restores the initial state.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_adwin_reset(h: *mut EntrenarAdwin) -> EntrenarStatus {
    reset_impl(h)
}

/// The statistic after the last update (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_adwin_statistic(h: *const EntrenarAdwin) -> f64 {
    read(h, |d| d.statistic(), f64::NAN)
}

/// Values consumed since creation or the last reset/drift (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_adwin_samples(h: *const EntrenarAdwin) -> f64 {
    read(h, |d| d.samples(), f64::NAN)
}

/// Values summarised by the current window (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_adwin_width(h: *const EntrenarAdwin) -> f64 {
    read(h, |d| d.0.width(), f64::NAN)
}

/// Mean of the current window (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_adwin_mean(h: *const EntrenarAdwin) -> f64 {
    read(h, |d| d.0.mean(), f64::NAN)
}

/// Population variance of the current window (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_adwin_variance(h: *const EntrenarAdwin) -> f64 {
    read(h, |d| d.0.variance(), f64::NAN)
}

// ---- KSWIN ----

/// Options of a KSWIN detector (see [`KswinOptions`]).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EntrenarKswinOptions {
    /// Significance of the KS test (α) in (0, 1). Default 0.005.
    pub alpha: f64,
    /// Sliding window length (integer in [2, 1e7]). Default 100.
    pub window_size: f64,
    /// Length of the recent and the drawn sample (integer, at most half the window). Default 30.
    pub stat_size: f64,
    /// Seed of the sampling (integer in [0, 2^32 − 1]); same seed, same draws as `@entrenar/drift`. Default 1.
    pub seed: f64,
}

/// A KSWIN detector handle.
pub struct EntrenarKswin(Kswin);

impl Detector for EntrenarKswin {
    const NAME: &'static str = Kswin::NAME;
    fn update(&mut self, x: f64) -> Signal {
        self.0.update(x)
    }
    fn reset(&mut self) {
        self.0.reset()
    }
    fn statistic(&self) -> f64 {
        self.0.statistic()
    }
    fn samples(&self) -> f64 {
        self.0.samples()
    }
}

/// The default options (river's).
#[no_mangle]
pub extern "C" fn entrenar_kswin_default_options() -> EntrenarKswinOptions {
    let d = KswinOptions::default();
    EntrenarKswinOptions { alpha: d.alpha, window_size: d.window_size, stat_size: d.stat_size, seed: d.seed }
}

/// Creates a detector into `*out`. `options` null means the defaults. On failure `*out` is null and,
/// when `err` is not null, `*err` receives an error to free with [`entrenar_error_free`].
///
/// # Safety
/// `options` is null or readable; `out` is writable; `err` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn entrenar_kswin_new(
    options: *const EntrenarKswinOptions,
    out: *mut *mut EntrenarKswin,
    err: *mut *mut EntrenarError,
) -> EntrenarStatus {
    new_impl(
        options,
        entrenar_kswin_default_options(),
        |c| Ok(KswinOptions { alpha: c.alpha, window_size: c.window_size, stat_size: c.stat_size, seed: c.seed }),
        |o| Kswin::new(o).map(EntrenarKswin),
        out,
        err,
    )
}

/// Frees a detector; null is accepted.
///
/// # Safety
/// `h` is null or a live handle of this kind; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn entrenar_kswin_free(h: *mut EntrenarKswin) {
    free_impl(h)
}

/// Feeds one value; answers an `ENTRENAR_SIGNAL_*` byte.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_kswin_update(h: *mut EntrenarKswin, x: f64) -> u8 {
    update_impl(h, x)
}

/// Feeds `n` values in order, writing one signal per value into `signals_out`.
///
/// # Safety
/// `h` is null or a live handle; `xs` holds `n` readable doubles and `signals_out` `n` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn entrenar_kswin_update_batch(h: *mut EntrenarKswin, xs: *const f64, n: usize, signals_out: *mut u8) -> EntrenarStatus {
    update_batch_impl(h, xs, n, signals_out)
}

/// Restores the initial state.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_kswin_reset(h: *mut EntrenarKswin) -> EntrenarStatus {
    reset_impl(h)
}

/// The statistic after the last update (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_kswin_statistic(h: *const EntrenarKswin) -> f64 {
    read(h, |d| d.statistic(), f64::NAN)
}

/// Values consumed since creation or the last reset/drift (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_kswin_samples(h: *const EntrenarKswin) -> f64 {
    read(h, |d| d.samples(), f64::NAN)
}

/// p-value of the last test, 1 before the window first fills (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_kswin_p_value(h: *mut EntrenarKswin) -> f64 {
    guard(f64::NAN, || match h.as_mut() {
        Some(d) => d.0.p_value(),
        None => f64::NAN,
    })
}

// ---- DDM ----

/// Options of a DDM detector (see [`DdmOptions`]).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EntrenarDdmOptions {
    /// Values needed before a warning or drift (integer ≥ 0). Default 30.
    pub warm_start: f64,
    /// Warning multiplier of s_min (> 0). Default 2.
    pub warning_threshold: f64,
    /// Drift multiplier of s_min (> 0, ≥ the warning one). Default 3.
    pub drift_threshold: f64,
}

/// A DDM detector handle.
pub struct EntrenarDdm(Ddm);

impl Detector for EntrenarDdm {
    const NAME: &'static str = Ddm::NAME;
    fn update(&mut self, x: f64) -> Signal {
        self.0.update(x)
    }
    fn reset(&mut self) {
        self.0.reset()
    }
    fn statistic(&self) -> f64 {
        self.0.statistic()
    }
    fn samples(&self) -> f64 {
        self.0.samples()
    }
}

/// The default options (river's).
#[no_mangle]
pub extern "C" fn entrenar_ddm_default_options() -> EntrenarDdmOptions {
    let d = DdmOptions::default();
    EntrenarDdmOptions { warm_start: d.warm_start, warning_threshold: d.warning_threshold, drift_threshold: d.drift_threshold }
}

/// Creates a detector into `*out`. `options` null means the defaults. On failure `*out` is null and,
/// when `err` is not null, `*err` receives an error to free with [`entrenar_error_free`].
///
/// # Safety
/// `options` is null or readable; `out` is writable; `err` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn entrenar_ddm_new(options: *const EntrenarDdmOptions, out: *mut *mut EntrenarDdm, err: *mut *mut EntrenarError) -> EntrenarStatus {
    new_impl(
        options,
        entrenar_ddm_default_options(),
        |c| Ok(DdmOptions { warm_start: c.warm_start, warning_threshold: c.warning_threshold, drift_threshold: c.drift_threshold }),
        |o| Ddm::new(o).map(EntrenarDdm),
        out,
        err,
    )
}

/// Frees a detector; null is accepted.
///
/// # Safety
/// `h` is null or a live handle of this kind; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn entrenar_ddm_free(h: *mut EntrenarDdm) {
    free_impl(h)
}

/// Feeds one value; answers an `ENTRENAR_SIGNAL_*` byte.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_ddm_update(h: *mut EntrenarDdm, x: f64) -> u8 {
    update_impl(h, x)
}

/// Feeds `n` values in order, writing one signal per value into `signals_out`.
///
/// # Safety
/// `h` is null or a live handle; `xs` holds `n` readable doubles and `signals_out` `n` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn entrenar_ddm_update_batch(h: *mut EntrenarDdm, xs: *const f64, n: usize, signals_out: *mut u8) -> EntrenarStatus {
    update_batch_impl(h, xs, n, signals_out)
}

/// Restores the initial state.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_ddm_reset(h: *mut EntrenarDdm) -> EntrenarStatus {
    reset_impl(h)
}

/// The statistic after the last update (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_ddm_statistic(h: *const EntrenarDdm) -> f64 {
    read(h, |d| d.statistic(), f64::NAN)
}

/// Values consumed since creation or the last reset/drift (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_ddm_samples(h: *const EntrenarDdm) -> f64 {
    read(h, |d| d.samples(), f64::NAN)
}

/// Error rate since the last reset/drift (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_ddm_error_rate(h: *const EntrenarDdm) -> f64 {
    read(h, |d| d.0.error_rate(), f64::NAN)
}

// ---- EDDM ----

/// Options of an EDDM detector (see [`EddmOptions`]).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EntrenarEddmOptions {
    /// Values, and errors, needed before an alarm (integer ≥ 0). Default 30.
    pub warm_start: f64,
    /// Warning level in (0, 1]. Default 0.95.
    pub alpha: f64,
    /// Drift level in (0, 1], at most `alpha`. Default 0.9.
    pub beta: f64,
}

/// An EDDM detector handle.
pub struct EntrenarEddm(Eddm);

impl Detector for EntrenarEddm {
    const NAME: &'static str = Eddm::NAME;
    fn update(&mut self, x: f64) -> Signal {
        self.0.update(x)
    }
    fn reset(&mut self) {
        self.0.reset()
    }
    fn statistic(&self) -> f64 {
        self.0.statistic()
    }
    fn samples(&self) -> f64 {
        self.0.samples()
    }
}

/// The default options (river's).
#[no_mangle]
pub extern "C" fn entrenar_eddm_default_options() -> EntrenarEddmOptions {
    let d = EddmOptions::default();
    EntrenarEddmOptions { warm_start: d.warm_start, alpha: d.alpha, beta: d.beta }
}

/// Creates a detector into `*out`. `options` null means the defaults. On failure `*out` is null and,
/// when `err` is not null, `*err` receives an error to free with [`entrenar_error_free`].
///
/// # Safety
/// `options` is null or readable; `out` is writable; `err` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn entrenar_eddm_new(options: *const EntrenarEddmOptions, out: *mut *mut EntrenarEddm, err: *mut *mut EntrenarError) -> EntrenarStatus {
    new_impl(
        options,
        entrenar_eddm_default_options(),
        |c| Ok(EddmOptions { warm_start: c.warm_start, alpha: c.alpha, beta: c.beta }),
        |o| Eddm::new(o).map(EntrenarEddm),
        out,
        err,
    )
}

/// Frees a detector; null is accepted.
///
/// # Safety
/// `h` is null or a live handle of this kind; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn entrenar_eddm_free(h: *mut EntrenarEddm) {
    free_impl(h)
}

/// Feeds one value; answers an `ENTRENAR_SIGNAL_*` byte.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_eddm_update(h: *mut EntrenarEddm, x: f64) -> u8 {
    update_impl(h, x)
}

/// Feeds `n` values in order, writing one signal per value into `signals_out`.
///
/// # Safety
/// `h` is null or a live handle; `xs` holds `n` readable doubles and `signals_out` `n` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn entrenar_eddm_update_batch(h: *mut EntrenarEddm, xs: *const f64, n: usize, signals_out: *mut u8) -> EntrenarStatus {
    update_batch_impl(h, xs, n, signals_out)
}

/// Restores the initial state.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_eddm_reset(h: *mut EntrenarEddm) -> EntrenarStatus {
    reset_impl(h)
}

/// The statistic after the last update (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_eddm_statistic(h: *const EntrenarEddm) -> f64 {
    read(h, |d| d.statistic(), f64::NAN)
}

/// Values consumed since creation or the last reset/drift (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_eddm_samples(h: *const EntrenarEddm) -> f64 {
    read(h, |d| d.samples(), f64::NAN)
}

// ---- HDDM_A ----

/// Options of an HDDM_A detector (see [`HddmAOptions`]).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EntrenarHddmAOptions {
    /// Confidence of the drift test in (0, 1). Default 0.001.
    pub drift_confidence: f64,
    /// Confidence of the warning test in (0, 1), at least the drift one. Default 0.005.
    pub warning_confidence: f64,
    /// Non-zero: also watch decreases of the mean. Default 0.
    pub two_sided: u8,
}

/// An HDDM_A detector handle.
pub struct EntrenarHddmA(HddmA);

impl Detector for EntrenarHddmA {
    const NAME: &'static str = HddmA::NAME;
    fn update(&mut self, x: f64) -> Signal {
        self.0.update(x)
    }
    fn reset(&mut self) {
        self.0.reset()
    }
    fn statistic(&self) -> f64 {
        self.0.statistic()
    }
    fn samples(&self) -> f64 {
        self.0.samples()
    }
}

/// The default options (river's).
#[no_mangle]
pub extern "C" fn entrenar_hddm_a_default_options() -> EntrenarHddmAOptions {
    let d = HddmAOptions::default();
    EntrenarHddmAOptions { drift_confidence: d.drift_confidence, warning_confidence: d.warning_confidence, two_sided: u8::from(d.two_sided) }
}

/// Creates a detector into `*out`. `options` null means the defaults. On failure `*out` is null and,
/// when `err` is not null, `*err` receives an error to free with [`entrenar_error_free`].
///
/// # Safety
/// `options` is null or readable; `out` is writable; `err` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn entrenar_hddm_a_new(
    options: *const EntrenarHddmAOptions,
    out: *mut *mut EntrenarHddmA,
    err: *mut *mut EntrenarError,
) -> EntrenarStatus {
    new_impl(
        options,
        entrenar_hddm_a_default_options(),
        |c| Ok(HddmAOptions { drift_confidence: c.drift_confidence, warning_confidence: c.warning_confidence, two_sided: c.two_sided != 0 }),
        |o| HddmA::new(o).map(EntrenarHddmA),
        out,
        err,
    )
}

/// Frees a detector; null is accepted.
///
/// # Safety
/// `h` is null or a live handle of this kind; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn entrenar_hddm_a_free(h: *mut EntrenarHddmA) {
    free_impl(h)
}

/// Feeds one value; answers an `ENTRENAR_SIGNAL_*` byte.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_hddm_a_update(h: *mut EntrenarHddmA, x: f64) -> u8 {
    update_impl(h, x)
}

/// Feeds `n` values in order, writing one signal per value into `signals_out`.
///
/// # Safety
/// `h` is null or a live handle; `xs` holds `n` readable doubles and `signals_out` `n` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn entrenar_hddm_a_update_batch(h: *mut EntrenarHddmA, xs: *const f64, n: usize, signals_out: *mut u8) -> EntrenarStatus {
    update_batch_impl(h, xs, n, signals_out)
}

/// Restores the initial state.
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_hddm_a_reset(h: *mut EntrenarHddmA) -> EntrenarStatus {
    reset_impl(h)
}

/// The statistic after the last update (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_hddm_a_statistic(h: *const EntrenarHddmA) -> f64 {
    read(h, |d| d.statistic(), f64::NAN)
}

/// Values consumed since creation or the last reset/drift (NaN for a null handle).
///
/// # Safety
/// `h` is null or a live handle of this kind.
#[no_mangle]
pub unsafe extern "C" fn entrenar_hddm_a_samples(h: *const EntrenarHddmA) -> f64 {
    read(h, |d| d.samples(), f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detectors::river;
    use std::ffi::CStr;

    unsafe fn text(p: *const c_char) -> String {
        CStr::from_ptr(p).to_str().unwrap().to_owned()
    }

    #[test]
    fn the_abi_version_is_exported() {
        assert_eq!(entrenar_abi_version(), ENTRENAR_ABI_VERSION);
    }

    #[test]
    fn batch_and_single_updates_agree_with_the_rust_detector() {
        let xs = river::mean_shift();
        unsafe {
            let mut a = ptr::null_mut();
            let mut b = ptr::null_mut();
            assert_eq!(entrenar_adwin_new(ptr::null(), &mut a, ptr::null_mut()), EntrenarStatus::Ok);
            assert_eq!(entrenar_adwin_new(ptr::null(), &mut b, ptr::null_mut()), EntrenarStatus::Ok);
            let mut batch = vec![9u8; xs.len()];
            assert_eq!(entrenar_adwin_update_batch(b, xs.as_ptr(), xs.len(), batch.as_mut_ptr()), EntrenarStatus::Ok);
            let single: Vec<u8> = xs.iter().map(|&x| entrenar_adwin_update(a, x)).collect();
            assert_eq!(single, batch);
            assert_eq!(batch.iter().position(|&s| s == ENTRENAR_SIGNAL_DRIFT), Some(1023));
            assert_eq!(entrenar_adwin_statistic(a).to_bits(), entrenar_adwin_statistic(b).to_bits());
            assert_eq!(entrenar_adwin_width(a), 1008.0);
            assert_eq!(entrenar_adwin_reset(a), EntrenarStatus::Ok);
            assert_eq!(entrenar_adwin_samples(a), 0.0);
            entrenar_adwin_free(a);
            entrenar_adwin_free(b);
        }
    }

    #[test]
    fn invalid_options_answer_a_coded_error_with_the_typescript_message() {
        unsafe {
            let mut o = entrenar_ddm_default_options();
            o.warm_start = 1.5;
            let mut h = 1 as *mut EntrenarDdm;
            let mut err = ptr::null_mut();
            assert_eq!(entrenar_ddm_new(&o, &mut h, &mut err), EntrenarStatus::InvalidConfig);
            assert!(h.is_null(), "no handle on failure");
            assert_eq!(entrenar_error_status(err), EntrenarStatus::InvalidConfig);
            assert_eq!(text(entrenar_error_code(err)), "ENTRENAR_INVALID_CONFIG");
            assert_eq!(text(entrenar_error_message(err)), "entrenar/drift: warmStart must be an integer in [0, 1000000000000], got 1.5");
            entrenar_error_free(err);
            // Without an error slot the status still tells.
            assert_eq!(entrenar_ddm_new(&o, &mut h, ptr::null_mut()), EntrenarStatus::InvalidConfig);
            let mut p = entrenar_page_hinkley_default_options();
            p.mode = 7;
            let mut ph = ptr::null_mut();
            let mut err = ptr::null_mut();
            assert_eq!(entrenar_page_hinkley_new(&p, &mut ph, &mut err), EntrenarStatus::InvalidConfig);
            assert_eq!(text(entrenar_error_message(err)), "entrenar/drift: mode must be 0 (both), 1 (up) or 2 (down), got 7");
            entrenar_error_free(err);
            let mut k = entrenar_kswin_default_options();
            k.alpha = f64::NAN;
            let mut kh = ptr::null_mut();
            let mut err = ptr::null_mut();
            assert_eq!(entrenar_kswin_new(&k, &mut kh, &mut err), EntrenarStatus::InvalidConfig);
            assert_eq!(text(entrenar_error_message(err)), "entrenar/drift: alpha must be a number in (0, 1), got NaN");
            entrenar_error_free(err);
        }
    }

    #[test]
    fn null_pointers_are_errors_not_crashes() {
        unsafe {
            let mut err = ptr::null_mut();
            assert_eq!(entrenar_eddm_new(ptr::null(), ptr::null_mut(), &mut err), EntrenarStatus::InvalidArgument);
            assert_eq!(text(entrenar_error_code(err)), "ENTRENAR_INVALID_ARGUMENT");
            entrenar_error_free(err);
            assert_eq!(entrenar_eddm_update(ptr::null_mut(), 1.0), ENTRENAR_SIGNAL_ERROR);
            assert_eq!(entrenar_eddm_reset(ptr::null_mut()), EntrenarStatus::InvalidArgument);
            assert!(entrenar_eddm_statistic(ptr::null()).is_nan());
            assert_eq!(entrenar_eddm_update_batch(ptr::null_mut(), ptr::null(), 0, ptr::null_mut()), EntrenarStatus::InvalidArgument);
            entrenar_eddm_free(ptr::null_mut());
            entrenar_error_free(ptr::null_mut());
            assert_eq!(text(entrenar_error_code(ptr::null())), "ENTRENAR_INTERNAL");
            let mut h = ptr::null_mut();
            assert_eq!(entrenar_hddm_a_new(ptr::null(), &mut h, ptr::null_mut()), EntrenarStatus::Ok);
            assert_eq!(entrenar_hddm_a_update_batch(h, ptr::null(), 0, ptr::null_mut()), EntrenarStatus::Ok, "an empty batch needs no buffers");
            assert_eq!(entrenar_hddm_a_update_batch(h, ptr::null(), 3, ptr::null_mut()), EntrenarStatus::InvalidArgument);
            let xs = [0.0; 4];
            assert_eq!(entrenar_hddm_a_update_batch(h, xs.as_ptr(), usize::MAX, ptr::null_mut::<u8>().wrapping_add(1)), EntrenarStatus::InvalidArgument);
            assert_eq!(entrenar_hddm_a_samples(h), 0.0, "a refused batch changes nothing");
            entrenar_hddm_a_free(h);
        }
    }

    #[test]
    fn a_panic_stops_at_the_boundary() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r = guard(ENTRENAR_SIGNAL_ERROR, || -> u8 { panic!("boom") });
        std::panic::set_hook(hook);
        assert_eq!(r, ENTRENAR_SIGNAL_ERROR);
    }

    #[test]
    fn byte_constants_match_the_rust_enums() {
        let signals = [
            (ENTRENAR_SIGNAL_STABLE, Signal::Stable),
            (ENTRENAR_SIGNAL_WARNING, Signal::Warning),
            (ENTRENAR_SIGNAL_DRIFT, Signal::Drift),
            (ENTRENAR_SIGNAL_INVALID, Signal::Invalid),
        ];
        for (byte, signal) in signals {
            assert_eq!(byte, signal as u8);
        }
        for (byte, mode) in [(ENTRENAR_MODE_BOTH, Mode::Both), (ENTRENAR_MODE_UP, Mode::Up), (ENTRENAR_MODE_DOWN, Mode::Down)] {
            assert_eq!(byte, mode as u8);
            assert_eq!(mode_of(byte), Ok(mode));
        }
    }

    #[test]
    fn defaults_are_rivers() {
        let k = entrenar_kswin_default_options();
        assert_eq!((k.alpha, k.window_size, k.stat_size, k.seed), (0.005, 100.0, 30.0, 1.0));
        let p = entrenar_page_hinkley_default_options();
        assert_eq!((p.min_instances, p.delta, p.threshold, p.alpha, p.mode), (30.0, 0.005, 50.0, 1.0 - 0.0001, ENTRENAR_MODE_BOTH));
        let h = entrenar_hddm_a_default_options();
        assert_eq!((h.drift_confidence, h.warning_confidence, h.two_sided), (0.001, 0.005, 0));
    }
}
