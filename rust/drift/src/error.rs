//! Option validation with the messages of `@entrenar/drift` (`ENTRENAR_INVALID_CONFIG`).

use std::fmt;

/// Stable error code of an invalid option, as `ErrorCodes.INVALID_CONFIG` of `@entrenar/core`.
pub const INVALID_CONFIG: &str = "ENTRENAR_INVALID_CONFIG";

/// An invalid option, with the message the TypeScript package gives for the same input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Message starting with `entrenar/drift: `.
    pub message: String,
}

impl ConfigError {
    /// An error whose message is `entrenar/drift: {what}`.
    pub fn new(what: impl fmt::Display) -> Self {
        ConfigError { message: format!("entrenar/drift: {what}") }
    }

    /// The stable error code (`ENTRENAR_INVALID_CONFIG`).
    pub fn code(&self) -> &'static str {
        INVALID_CONFIG
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Formats a number as JavaScript's `String(x)` does, so messages match the TypeScript side.
pub fn js_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if (1e-7..1e21).contains(&a) {
        return format!("{x}");
    }
    // Both print the shortest round-trip digits; JavaScript writes the exponent's sign.
    let s = format!("{x:e}");
    match s.find('e') {
        Some(i) if !s[i + 1..].starts_with('-') => format!("{}e+{}", &s[..i], &s[i + 1..]),
        _ => s,
    }
}

/// Bounds of a numeric option (`checkNumber` of `@entrenar/drift`).
#[derive(Clone, Copy, Default)]
pub(crate) struct Range {
    pub integer: bool,
    pub open_lo: bool,
    pub open_hi: bool,
}

/// Checks a numeric option: finite and within [lo, hi] (inclusive unless open), an integer if asked.
pub(crate) fn check_number(name: &str, value: f64, lo: f64, hi: f64, r: Range) -> Result<f64, ConfigError> {
    let ok = value.is_finite()
        && (if r.open_lo { value > lo } else { value >= lo })
        && (if r.open_hi { value < hi } else { value <= hi })
        && (!r.integer || value.trunc() == value);
    if ok {
        return Ok(value);
    }
    Err(ConfigError::new(format_args!(
        "{name} must be {} in {}{}, {}{}, got {}",
        if r.integer { "an integer" } else { "a number" },
        if r.open_lo { "(" } else { "[" },
        js_number(lo),
        js_number(hi),
        if r.open_hi { ")" } else { "]" },
        js_number(value)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_javascript_does() {
        assert_eq!(js_number(1.0), "1");
        assert_eq!(js_number(0.005), "0.005");
        assert_eq!(js_number(1e12), "1000000000000");
        assert_eq!(js_number(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(js_number(1e-9), "1e-9");
        assert_eq!(js_number(-0.0), "0");
        assert_eq!(js_number(f64::NAN), "NaN");
        assert_eq!(js_number(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(js_number(1.5), "1.5");
        assert_eq!(js_number(1e21), "1e+21");
    }

    #[test]
    fn check_number_gives_the_typescript_message() {
        let e = check_number("minInstances", 1.5, 1.0, 1e12, Range { integer: true, ..Range::default() }).unwrap_err();
        assert_eq!(e.message, "entrenar/drift: minInstances must be an integer in [1, 1000000000000], got 1.5");
        let e = check_number("delta", f64::NAN, 0.0, 1.0, Range { open_lo: true, open_hi: true, ..Range::default() }).unwrap_err();
        assert_eq!(e.message, "entrenar/drift: delta must be a number in (0, 1), got NaN");
        assert!(check_number("x", 1.0, 0.0, 1.0, Range::default()).is_ok());
        assert!(check_number("x", 1.0, 0.0, 1.0, Range { open_hi: true, ..Range::default() }).is_err());
    }
}
