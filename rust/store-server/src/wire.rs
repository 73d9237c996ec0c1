//! Wire types of the `/v1/store/*` routes: snake_case, `schema_version`, columnar batches, and
//! floats that carry NaN, ±Infinity and -0 as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"`
//! (JSON has no token for them). The shapes are those of `@entrenar/core`'s valibot schemas.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;

/// Version of every message this server reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Largest integer a step may have in magnitude (2^53 − 1: exact in a float64 and in JavaScript).
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// A float64 as it travels: a JSON number, or one of the strings for values JSON cannot hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WireFloat(pub f64);

impl Serialize for WireFloat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if x.is_nan() {
            s.serialize_str("NaN")
        } else if x.is_infinite() {
            s.serialize_str(if x > 0.0 { "Infinity" } else { "-Infinity" })
        } else if x == 0.0 && x.is_sign_negative() {
            s.serialize_str("-0")
        } else if x.fract() == 0.0 && x.abs() < 1e15 {
            // Integral values print without ".0" as JavaScript prints them.
            s.serialize_i64(x as i64)
        } else {
            s.serialize_f64(x)
        }
    }
}

struct WireFloatVisitor;

impl<'de> Visitor<'de> for WireFloatVisitor {
    type Value = WireFloat;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or one of \"NaN\", \"Infinity\", \"-Infinity\", \"-0\"")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<WireFloat, E> {
        Ok(WireFloat(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<WireFloat, E> {
        Ok(WireFloat(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<WireFloat, E> {
        Ok(WireFloat(v as f64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<WireFloat, E> {
        match v {
            "NaN" => Ok(WireFloat(f64::NAN)),
            "Infinity" => Ok(WireFloat(f64::INFINITY)),
            "-Infinity" => Ok(WireFloat(f64::NEG_INFINITY)),
            "-0" => Ok(WireFloat(-0.0)),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

impl<'de> Deserialize<'de> for WireFloat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(WireFloatVisitor)
    }
}

/// A step: an integer with magnitude at most 2^53 − 1 (a JSON number; `1e3` is accepted as 1000).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Step(pub i64);

struct StepVisitor;

impl<'de> Visitor<'de> for StepVisitor {
    type Value = Step;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer step with magnitude at most 2^53 - 1")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Step, E> {
        if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&v) {
            Ok(Step(v))
        } else {
            Err(E::invalid_value(de::Unexpected::Signed(v), &self))
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Step, E> {
        if v <= MAX_SAFE_INTEGER as u64 {
            Ok(Step(v as i64))
        } else {
            Err(E::invalid_value(de::Unexpected::Unsigned(v), &self))
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Step, E> {
        if v.fract() == 0.0 && v.abs() <= MAX_SAFE_INTEGER as f64 {
            Ok(Step(v as i64))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StepVisitor)
    }
}

/// An epoch or batch number: a 32-bit integer, or null. (-2^31 marks "absent" in the typed
/// arrays of the TypeScript side, so it is refused rather than silently turned into null.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Int32(pub i32);

struct Int32Visitor;

impl<'de> Visitor<'de> for Int32Visitor {
    type Value = Int32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer in -2147483647..=2147483647")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int32, E> {
        if (-(i32::MAX as i64)..=i32::MAX as i64).contains(&v) {
            Ok(Int32(v as i32))
        } else {
            Err(E::invalid_value(de::Unexpected::Signed(v), &self))
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int32, E> {
        if v <= i32::MAX as u64 {
            Ok(Int32(v as i32))
        } else {
            Err(E::invalid_value(de::Unexpected::Unsigned(v), &self))
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Int32, E> {
        if v.fract() == 0.0 && v.abs() <= i32::MAX as f64 {
            Ok(Int32(v as i32))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

impl<'de> Deserialize<'de> for Int32 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Int32Visitor)
    }
}

/// A flat set of string labels, for lookups (key order does not matter).
pub type Tags = BTreeMap<String, String>;

/// A tag set as it travels, keys in the order they arrived (as a JavaScript object keeps them).
/// A repeated key keeps its first position and its last value, as `JSON.parse` does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagSet(pub Vec<(String, String)>);

impl TagSet {
    /// The same labels as a map.
    pub fn to_map(&self) -> Tags {
        self.0.iter().cloned().collect()
    }
}

impl Serialize for TagSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct TagSetVisitor;

impl<'de> Visitor<'de> for TagSetVisitor {
    type Value = TagSet;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of string values")
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<TagSet, A::Error> {
        let mut out: Vec<(String, String)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, String>()? {
            match out.iter_mut().find(|e| e.0 == k) {
                Some(e) => e.1 = v,
                None => out.push((k, v)),
            }
        }
        Ok(TagSet(out))
    }
}

impl<'de> Deserialize<'de> for TagSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TagSetVisitor)
    }
}

/// `RecordBatchWire`: one run's points, column by column.
#[derive(Debug, Deserialize, Serialize)]
pub struct BatchWire {
    pub schema_version: u32,
    pub run_id: String,
    pub metric_names: Vec<String>,
    pub metric: Vec<u32>,
    pub value: Vec<WireFloat>,
    pub step: Vec<Step>,
    pub timestamp_us: Vec<f64>,
    pub epoch: Vec<Option<Int32>>,
    pub batch: Vec<Option<Int32>>,
    pub tag_sets: Vec<TagSet>,
    pub tag_index: Vec<i32>,
}

/// `{ by: 'step' | 'time', size }` or `{ points, mode: 'minmax-last' }`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bucket {
    Step(f64),
    Time(f64),
    MinMaxLast(f64),
}

/// `MetricQueryWire`. The bucket stays raw here and is checked by [`parse_bucket`] (a union).
#[derive(Debug, Deserialize)]
pub struct QueryWire {
    pub schema_version: Option<serde_json::Value>,
    pub runs: Option<Vec<String>>,
    pub metrics: Option<Vec<String>>,
    pub from_us: Option<f64>,
    pub to_us: Option<f64>,
    pub steps: Option<(f64, f64)>,
    pub tags: Option<Tags>,
    pub aggregate: Option<String>,
    pub bucket: Option<serde_json::Value>,
}

/// Reads the `bucket` union; `Err` names what is wrong.
pub fn parse_bucket(v: &serde_json::Value) -> Result<Bucket, String> {
    let o = v.as_object().ok_or("bucket must be an object")?;
    if let Some(by) = o.get("by") {
        let size = o
            .get("size")
            .and_then(|s| s.as_f64())
            .ok_or("bucket.size must be a number")?;
        if size <= 0.0 {
            return Err(format!("bucket.size must be > 0, got {size}"));
        }
        return match by.as_str() {
            Some("step") => Ok(Bucket::Step(size)),
            Some("time") => Ok(Bucket::Time(size)),
            _ => Err("bucket.by must be \"step\" or \"time\"".into()),
        };
    }
    let points = o
        .get("points")
        .and_then(|p| p.as_f64())
        .ok_or("bucket must be { by, size } or { points, mode }")?;
    if points.fract() != 0.0 || points < 1.0 {
        return Err(format!(
            "bucket.points must be an integer >= 1, got {points}"
        ));
    }
    if o.get("mode").and_then(|m| m.as_str()) != Some("minmax-last") {
        return Err("bucket.mode must be \"minmax-last\"".into());
    }
    Ok(Bucket::MinMaxLast(points))
}

/// `SeriesWire`: one `(run, metric)` series of a query answer.
#[derive(Debug, Serialize, Default)]
pub struct SeriesWire {
    pub run_id: String,
    pub metric: String,
    pub x: Vec<WireFloat>,
    pub value: Vec<WireFloat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_us: Option<Vec<WireFloat>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<Vec<WireFloat>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<Vec<WireFloat>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<Vec<WireFloat>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nan_count: Option<Vec<WireFloat>>,
}

/// `RangeRequestWire`.
#[derive(Debug, Deserialize)]
pub struct RangeWire {
    pub schema_version: Option<serde_json::Value>,
    pub from_us: f64,
    pub to_us: f64,
    pub runs: Option<Vec<String>>,
    pub metrics: Option<Vec<String>>,
}

/// The four statuses of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Finished,
    Failed,
    Stopped,
}

/// `RunInfoWire`. `config` is kept as the exact JSON text it arrived as (its key order included).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct RunWire {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Box<RawValue>>,
    pub status: RunStatus,
    pub start_time_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `{ schema_version, run }` of `putRun`.
#[derive(Debug, Deserialize)]
pub struct PutRunWire {
    pub schema_version: Option<serde_json::Value>,
    pub run: RunWire,
}

/// `{ schema_version, sql }` of `sql`.
#[derive(Debug, Deserialize)]
pub struct SqlWire {
    pub schema_version: Option<serde_json::Value>,
    #[allow(dead_code)]
    pub sql: String,
}

/// A request without arguments.
#[derive(Debug, Deserialize)]
pub struct EmptyWire {
    pub schema_version: Option<serde_json::Value>,
}

/// True when a parsed `schema_version` is 1 (`1.0` included, as JavaScript compares numbers).
pub fn is_current(v: &Option<serde_json::Value>) -> bool {
    v.as_ref().and_then(|x| x.as_f64()) == Some(SCHEMA_VERSION as f64)
}

/// A request body with a `schema_version`.
pub trait Versioned {
    /// True when the version is the one this server speaks.
    fn version_ok(&self) -> bool;
}

macro_rules! versioned {
    ($($t:ty),*) => {$(impl Versioned for $t { fn version_ok(&self) -> bool { is_current(&self.schema_version) } })*};
}
versioned!(
    QueryWire,
    RangeWire,
    PutRunWire,
    SqlWire,
    EmptyWire,
    VersionProbe
);

impl Versioned for BatchWire {
    fn version_ok(&self) -> bool {
        self.schema_version == SCHEMA_VERSION
    }
}

/// Reads only `schema_version` of a body (what is checked before the shape, as the TypeScript handler does).
#[derive(Debug, Deserialize)]
pub struct VersionProbe {
    pub schema_version: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_floats_round_trip_as_strings() {
        let xs = vec![
            WireFloat(f64::NAN),
            WireFloat(f64::INFINITY),
            WireFloat(f64::NEG_INFINITY),
            WireFloat(-0.0),
            WireFloat(0.25),
            WireFloat(1e308),
            WireFloat(42.0),
        ];
        let text = serde_json::to_string(&xs).unwrap();
        assert_eq!(text, r#"["NaN","Infinity","-Infinity","-0",0.25,1e308,42]"#);
        let back: Vec<WireFloat> = serde_json::from_str(&text).unwrap();
        assert!(back[0].0.is_nan());
        assert_eq!(back[1].0, f64::INFINITY);
        assert_eq!(back[2].0, f64::NEG_INFINITY);
        assert!(back[3].0 == 0.0 && back[3].0.is_sign_negative());
        assert_eq!(
            back[4..].iter().map(|w| w.0).collect::<Vec<_>>(),
            vec![0.25, 1e308, 42.0]
        );
        assert!(serde_json::from_str::<WireFloat>("\"nan\"").is_err());
        assert!(serde_json::from_str::<WireFloat>("null").is_err());
    }

    #[test]
    fn floats_parse_exactly() {
        // serde_json's default float parser is not correctly rounded; `float_roundtrip` is on.
        for text in [
            "-3.060691075739234e-223",
            "5e-324",
            "1.7976931348623157e308",
            "0.1",
            "2.2250738585072014e-308",
        ] {
            let w: WireFloat = serde_json::from_str(text).unwrap();
            assert_eq!(w.0, text.parse::<f64>().unwrap(), "{text}");
            assert_eq!(
                serde_json::to_string(&w).unwrap().parse::<f64>().unwrap(),
                w.0,
                "{text}"
            );
        }
    }

    #[test]
    fn steps_are_safe_integers() {
        assert_eq!(
            serde_json::from_str::<Step>("9007199254740991").unwrap(),
            Step(MAX_SAFE_INTEGER)
        );
        assert_eq!(
            serde_json::from_str::<Step>("-9007199254740991").unwrap(),
            Step(-MAX_SAFE_INTEGER)
        );
        assert_eq!(serde_json::from_str::<Step>("1e3").unwrap(), Step(1000));
        assert!(serde_json::from_str::<Step>("9007199254740992").is_err());
        assert!(serde_json::from_str::<Step>("0.5").is_err());
        assert!(serde_json::from_str::<Step>("\"1\"").is_err());
    }

    #[test]
    fn int32_refuses_the_null_sentinel_and_overflow() {
        assert_eq!(
            serde_json::from_str::<Int32>("2147483647").unwrap(),
            Int32(i32::MAX)
        );
        assert!(serde_json::from_str::<Int32>("-2147483648").is_err());
        assert!(serde_json::from_str::<Int32>("4294967296").is_err());
    }

    #[test]
    fn tag_sets_keep_key_order() {
        let t: TagSet = serde_json::from_str(r#"{"split":"val","k":"v","split":"test"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"split":"test","k":"v"}"#
        );
        assert!(serde_json::from_str::<TagSet>(r#"{"k":1}"#).is_err());
    }

    #[test]
    fn bucket_union() {
        let v = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert_eq!(
            parse_bucket(&v(r#"{"by":"step","size":3}"#)),
            Ok(Bucket::Step(3.0))
        );
        assert_eq!(
            parse_bucket(&v(r#"{"points":10,"mode":"minmax-last"}"#)),
            Ok(Bucket::MinMaxLast(10.0))
        );
        assert!(parse_bucket(&v(r#"{"by":"step","size":0}"#)).is_err());
        assert!(parse_bucket(&v(r#"{"by":"epoch","size":1}"#)).is_err());
        assert!(parse_bucket(&v(r#"{"points":0,"mode":"minmax-last"}"#)).is_err());
        assert!(parse_bucket(&v(r#"{"points":3,"mode":"lttb"}"#)).is_err());
    }

    #[test]
    fn run_config_keeps_its_text() {
        let r: RunWire = serde_json::from_str(r#"{"id":"a","status":"finished","start_time_ms":1,"config":{"lr":0.1,"layers":[4,8]}}"#).unwrap();
        assert_eq!(
            r.config.as_ref().unwrap().get(),
            r#"{"lr":0.1,"layers":[4,8]}"#
        );
        let out = serde_json::to_string(&r).unwrap();
        assert!(
            out.contains(r#""config":{"lr":0.1,"layers":[4,8]}"#),
            "{out}"
        );
    }
}
