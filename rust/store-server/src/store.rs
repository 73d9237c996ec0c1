//! The store: rows kept column by column per run in memory, every write appended to the log and
//! synced before it is applied and acknowledged. Semantics are those of `@entrenar/core`'s
//! in-memory reference store (`packages/core/src/memory/store.ts`).

use crate::error::*;
use crate::log::Log;
use crate::query::{self, js_cmp, Columns, AGGREGATES};
use crate::wire::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Marks an absent epoch or batch (as `NULL_INT32` on the TypeScript side).
const NULL_INT32: i32 = i32::MIN;

/// Longest metric name, in UTF-16 code units (`MAX_METRIC_NAME_LENGTH`).
const MAX_METRIC_NAME: usize = 256;

/// Longest run id once encoded as a path component (as `@entrenar/db` encodes it), in bytes.
const MAX_ENCODED_RUN_ID: usize = 200;

#[derive(Default)]
struct RunRows {
    metric: Vec<u32>,
    value: Vec<f64>,
    step: Vec<i64>,
    ts: Vec<f64>,
    epoch: Vec<i32>,
    batch: Vec<i32>,
    tag: Vec<i32>,
}

/// The whole state of a store server.
#[derive(Default)]
pub struct Store {
    log: Option<Log>,
    closed: bool,
    failed: Option<String>,
    names: Vec<String>,
    name_ids: HashMap<String, u32>,
    /// Tag sets for lookups, and as first seen (key order kept) for answers.
    tag_sets: Vec<Tags>,
    tag_order: Vec<TagSet>,
    tag_ids: HashMap<Tags, i32>,
    rows: HashMap<String, RunRows>,
    runs: HashMap<String, RunWire>,
    row_count: u64,
}

fn is_control(c: char) -> bool {
    matches!(c as u32, 0..=0x1f | 0x7f..=0x9f)
}

/// Checks a run id as `@entrenar/db` does: non-empty, no control characters, and at most
/// 200 bytes once encoded as a path component (`%XX` for every byte outside `[A-Za-z0-9_-]` and a non-leading `.`).
pub fn check_run_id(id: &str) -> Result<(), StoreError> {
    if id.is_empty() {
        return Err(StoreError::new(
            INVALID_RUN_ID,
            "run id must be a non-empty string",
        ));
    }
    if id.chars().any(is_control) {
        let shown: String = id.chars().take(64).collect();
        return Err(StoreError::new(
            INVALID_RUN_ID,
            format!("run id {shown:?} contains control characters"),
        ));
    }
    let mut encoded = 0;
    for c in id.chars() {
        encoded += if c.is_ascii_alphanumeric() || c == '_' || c == '-' || (c == '.' && encoded > 0)
        {
            1
        } else {
            3 * c.len_utf8()
        };
        if encoded > MAX_ENCODED_RUN_ID {
            return Err(StoreError::new(
                INVALID_RUN_ID,
                format!(
                    "run id of {} characters encodes to more than {MAX_ENCODED_RUN_ID} bytes",
                    id.chars().count()
                ),
            ));
        }
    }
    Ok(())
}

/// Checks a metric name: non-empty, at most 256 UTF-16 code units, no control characters.
pub fn check_metric_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() {
        return Err(StoreError::new(
            INVALID_METRIC_NAME,
            "metric name must be a non-empty string",
        ));
    }
    let units = name.encode_utf16().count();
    if units > MAX_METRIC_NAME {
        return Err(StoreError::new(
            INVALID_METRIC_NAME,
            format!("metric name of {units} characters exceeds {MAX_METRIC_NAME}"),
        ));
    }
    if name.chars().any(is_control) {
        return Err(StoreError::new(
            INVALID_METRIC_NAME,
            format!("metric name {name:?} contains control characters"),
        ));
    }
    Ok(())
}

/// Rejects a batch whose columns disagree or whose rows are invalid, before anything is kept.
pub fn validate_batch(b: &BatchWire) -> Result<(), StoreError> {
    let bad = |msg: String| {
        Err(StoreError::new(
            WIRE_INVALID,
            format!("batch of run {:?} {msg}", b.run_id),
        ))
    };
    if b.run_id.is_empty() {
        return Err(StoreError::new(
            WIRE_INVALID,
            "batch run_id must not be empty",
        ));
    }
    check_run_id(&b.run_id)?;
    let n = b.value.len();
    for (name, len) in [
        ("metric", b.metric.len()),
        ("step", b.step.len()),
        ("timestamp_us", b.timestamp_us.len()),
        ("epoch", b.epoch.len()),
        ("batch", b.batch.len()),
        ("tag_index", b.tag_index.len()),
    ] {
        if len != n {
            return bad(format!("column {name} has {len} entries, expected {n}"));
        }
    }
    for name in &b.metric_names {
        check_metric_name(name)?;
    }
    for i in 0..n {
        if b.metric[i] as usize >= b.metric_names.len() {
            return bad(format!(
                "row {i} references metric {} of {}",
                b.metric[i],
                b.metric_names.len()
            ));
        }
        let t = b.tag_index[i];
        if t < -1 || t >= b.tag_sets.len() as i32 {
            return bad(format!(
                "row {i} references tag set {t} of {}",
                b.tag_sets.len()
            ));
        }
        if !b.timestamp_us[i].is_finite() {
            return bad(format!("row {i} has timestamp_us {}", b.timestamp_us[i]));
        }
    }
    Ok(())
}

fn float(x: f64) -> WireFloat {
    WireFloat(x)
}

impl Store {
    /// A store kept in memory only (tests).
    #[cfg(test)]
    pub fn in_memory() -> Store {
        Store::default()
    }

    /// Opens the store file, replaying it (a torn tail is cut; corruption refuses to open).
    pub fn open(path: &Path) -> Result<(Store, u64), StoreError> {
        let replay = Log::open(path)?;
        let mut s = Store::default();
        for (i, p) in replay.payloads.iter().enumerate() {
            let corrupt = |e: String| {
                StoreError::new(
                    DB_CORRUPT,
                    format!("{}: entry {i} does not parse: {e}", path.display()),
                )
            };
            match p.first() {
                Some(b'B') => {
                    let b: BatchWire =
                        serde_json::from_slice(&p[1..]).map_err(|e| corrupt(e.to_string()))?;
                    validate_batch(&b).map_err(|e| corrupt(e.message))?;
                    s.apply(&b);
                }
                Some(b'R') => {
                    let r: RunWire =
                        serde_json::from_slice(&p[1..]).map_err(|e| corrupt(e.to_string()))?;
                    s.runs.insert(r.id.clone(), r);
                }
                _ => return Err(corrupt("unknown entry kind".into())),
            }
        }
        s.log = Some(replay.log);
        Ok((s, replay.torn_bytes))
    }

    fn open_for_writes(&self) -> Result<(), StoreError> {
        if self.closed {
            return Err(StoreError::new(CLOSED, "the store is closed"));
        }
        if let Some(f) = &self.failed {
            return Err(StoreError::new(
                INTERNAL,
                format!("the store file failed earlier and accepts no more writes: {f}"),
            ));
        }
        Ok(())
    }

    fn persist(&mut self, kind: u8, json: Vec<u8>) -> Result<(), StoreError> {
        if let Some(log) = self.log.as_mut() {
            let mut payload = Vec::with_capacity(json.len() + 1);
            payload.push(kind);
            payload.extend_from_slice(&json);
            if let Err(e) = log.append(&payload) {
                // After a failed fsync the file's state is unknown: stop accepting writes.
                self.failed = Some(e.message.clone());
                return Err(e);
            }
        }
        Ok(())
    }

    /// Validates, persists (synced) and applies a batch. An empty batch is accepted and keeps nothing.
    pub fn write(&mut self, b: &BatchWire) -> Result<(), StoreError> {
        self.open_for_writes()?;
        validate_batch(b)?;
        if b.value.is_empty() {
            return Ok(());
        }
        let json = serde_json::to_vec(b).map_err(|e| StoreError::new(INTERNAL, e.to_string()))?;
        self.persist(b'B', json)?;
        self.apply(b);
        Ok(())
    }

    fn apply(&mut self, b: &BatchWire) {
        // Dictionaries are interned on first use by a row: names or tag sets a batch lists but no
        // row references are not kept (they would grow the dictionaries for nothing).
        let mut names: Vec<Option<u32>> = vec![None; b.metric_names.len()];
        let mut tags: Vec<Option<i32>> = vec![None; b.tag_sets.len()];
        let mut metric_ids = Vec::with_capacity(b.value.len());
        let mut tag_ids = Vec::with_capacity(b.value.len());
        for i in 0..b.value.len() {
            let m = b.metric[i] as usize;
            let id = match names[m] {
                Some(id) => id,
                None => {
                    let n = &b.metric_names[m];
                    let id = match self.name_ids.get(n) {
                        Some(&id) => id,
                        None => {
                            let id = self.names.len() as u32;
                            self.names.push(n.clone());
                            self.name_ids.insert(n.clone(), id);
                            id
                        }
                    };
                    names[m] = Some(id);
                    id
                }
            };
            metric_ids.push(id);
            let t = b.tag_index[i];
            let tag = if t < 0 {
                -1
            } else {
                match tags[t as usize] {
                    Some(id) => id,
                    None => {
                        let ordered = &b.tag_sets[t as usize];
                        let set = ordered.to_map();
                        let id = if set.is_empty() {
                            -1
                        } else {
                            match self.tag_ids.get(&set) {
                                Some(&id) => id,
                                None => {
                                    let id = self.tag_sets.len() as i32;
                                    self.tag_sets.push(set.clone());
                                    self.tag_order.push(ordered.clone());
                                    self.tag_ids.insert(set, id);
                                    id
                                }
                            }
                        };
                        tags[t as usize] = Some(id);
                        id
                    }
                }
            };
            tag_ids.push(tag);
        }
        let r = self.rows.entry(b.run_id.clone()).or_default();
        r.metric.extend_from_slice(&metric_ids);
        r.tag.extend_from_slice(&tag_ids);
        for i in 0..b.value.len() {
            r.value.push(b.value[i].0);
            r.step.push(b.step[i].0);
            r.ts.push(b.timestamp_us[i]);
            r.epoch.push(b.epoch[i].map_or(NULL_INT32, |x| x.0));
            r.batch.push(b.batch[i].map_or(NULL_INT32, |x| x.0));
        }
        self.row_count += b.value.len() as u64;
    }

    /// Creates or replaces a run's metadata (persisted, synced).
    pub fn put_run(&mut self, run: RunWire) -> Result<(), StoreError> {
        self.open_for_writes()?;
        if run.id.is_empty() {
            return Err(StoreError::new(WIRE_INVALID, "run.id must not be empty"));
        }
        check_run_id(&run.id)?;
        if let Some(c) = &run.config {
            if !c.get().trim_start().starts_with('{') {
                return Err(StoreError::new(
                    WIRE_INVALID,
                    "run.config must be an object",
                ));
            }
        }
        let json =
            serde_json::to_vec(&run).map_err(|e| StoreError::new(INTERNAL, e.to_string()))?;
        self.persist(b'R', json)?;
        self.runs.insert(run.id.clone(), run);
        Ok(())
    }

    /// Every write is durable when acknowledged, so flush only checks the store is usable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.open_for_writes()
    }

    /// Refuses further writes (reads keep working); idempotent. Not persisted: a restart reopens.
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// Rows held.
    pub fn row_count(&self) -> u64 {
        self.row_count
    }

    /// Every run's metadata, ordered by start time, then id.
    pub fn runs(&self) -> Vec<&RunWire> {
        let mut v: Vec<&RunWire> = self.runs.values().collect();
        v.sort_by(|a, b| {
            a.start_time_ms
                .partial_cmp(&b.start_time_ms)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| js_cmp(&a.id, &b.id))
        });
        v
    }

    /// Runs a typed query (validated first: `ENTRENAR_WIRE_INVALID` for a bad shape, `ENTRENAR_INVALID_QUERY` for bad values).
    pub fn query(&self, q: &QueryWire) -> Result<Vec<SeriesWire>, StoreError> {
        let agg = match &q.aggregate {
            Some(a) if AGGREGATES.contains(&a.as_str()) => Some(a.as_str()),
            Some(a) => {
                return Err(StoreError::new(
                    WIRE_INVALID,
                    format!(
                        "store.query: aggregate {a:?} is not one of {}",
                        AGGREGATES.join(", ")
                    ),
                ))
            }
            None => None,
        };
        let bucket = match &q.bucket {
            Some(b) => Some(
                parse_bucket(b)
                    .map_err(|m| StoreError::new(WIRE_INVALID, format!("store.query: {m}")))?,
            ),
            None => None,
        };
        if let Some(Bucket::Step(size) | Bucket::Time(size)) = bucket {
            if !size.is_finite() {
                return Err(StoreError::new(INVALID_QUERY, "query bucket must be { by: \"step\" | \"time\", size > 0 } or { points, mode: \"minmax-last\" }"));
            }
        }
        let run_filter: Option<HashSet<&str>> = q
            .runs
            .as_ref()
            .map(|r| r.iter().map(String::as_str).collect());
        let metric_filter: Option<HashSet<&str>> = q
            .metrics
            .as_ref()
            .map(|m| m.iter().map(String::as_str).collect());
        let mut groups: Vec<(&str, u32, Columns)> = Vec::new();
        for (run_id, r) in &self.rows {
            if run_filter
                .as_ref()
                .is_some_and(|f| !f.contains(run_id.as_str()))
            {
                continue;
            }
            let mut by_metric: HashMap<u32, usize> = HashMap::new();
            let first = groups.len();
            for i in 0..r.value.len() {
                let m = r.metric[i];
                if metric_filter
                    .as_ref()
                    .is_some_and(|f| !f.contains(self.names[m as usize].as_str()))
                {
                    continue;
                }
                let ts = r.ts[i];
                if q.from_us.is_some_and(|from| ts < from) || q.to_us.is_some_and(|to| ts > to) {
                    continue;
                }
                let step = r.step[i] as f64;
                if let Some((lo, hi)) = q.steps {
                    if step < lo || step > hi {
                        continue;
                    }
                }
                if let Some(want) = &q.tags {
                    let t = r.tag[i];
                    let set = if t < 0 {
                        None
                    } else {
                        Some(&self.tag_sets[t as usize])
                    };
                    if !want
                        .iter()
                        .all(|(k, v)| set.is_some_and(|s| s.get(k) == Some(v)))
                    {
                        continue;
                    }
                }
                let g = *by_metric.entry(m).or_insert_with(|| {
                    groups.push((
                        run_id.as_str(),
                        m,
                        Columns {
                            step: vec![],
                            ts: vec![],
                            value: vec![],
                        },
                    ));
                    groups.len() - 1
                });
                debug_assert!(g >= first);
                let c = &mut groups[g].2;
                c.step.push(step);
                c.ts.push(ts);
                c.value.push(r.value[i]);
            }
        }
        groups.sort_by(|a, b| {
            js_cmp(a.0, b.0)
                .then_with(|| js_cmp(&self.names[a.1 as usize], &self.names[b.1 as usize]))
        });
        Ok(groups
            .into_iter()
            .map(|(run, m, c)| {
                query::shape(run, &self.names[m as usize], agg, bucket, query::order(c))
            })
            .collect())
    }

    /// Every row with `from_us <= timestamp_us <= to_us`, one batch per run in id order, rows in arrival order.
    pub fn range(&self, q: &RangeWire) -> Vec<BatchWire> {
        let run_filter: Option<HashSet<&str>> = q
            .runs
            .as_ref()
            .map(|r| r.iter().map(String::as_str).collect());
        let metric_filter: Option<HashSet<&str>> = q
            .metrics
            .as_ref()
            .map(|m| m.iter().map(String::as_str).collect());
        let mut ids: Vec<&String> = self
            .rows
            .keys()
            .filter(|id| run_filter.as_ref().is_none_or(|f| f.contains(id.as_str())))
            .collect();
        ids.sort_by(|a, b| js_cmp(a, b));
        let mut out = Vec::new();
        for id in ids {
            let r = &self.rows[id];
            let mut b = BatchWire {
                schema_version: SCHEMA_VERSION,
                run_id: id.clone(),
                metric_names: vec![],
                metric: vec![],
                value: vec![],
                step: vec![],
                timestamp_us: vec![],
                epoch: vec![],
                batch: vec![],
                tag_sets: vec![],
                tag_index: vec![],
            };
            let mut name_ids: HashMap<u32, u32> = HashMap::new();
            let mut tag_ids: HashMap<i32, i32> = HashMap::new();
            for i in 0..r.value.len() {
                let ts = r.ts[i];
                if ts < q.from_us || ts > q.to_us {
                    continue;
                }
                let m = r.metric[i];
                if metric_filter
                    .as_ref()
                    .is_some_and(|f| !f.contains(self.names[m as usize].as_str()))
                {
                    continue;
                }
                let local = *name_ids.entry(m).or_insert_with(|| {
                    b.metric_names.push(self.names[m as usize].clone());
                    b.metric_names.len() as u32 - 1
                });
                let t = r.tag[i];
                let local_tag = if t < 0 {
                    -1
                } else {
                    *tag_ids.entry(t).or_insert_with(|| {
                        b.tag_sets.push(self.tag_order[t as usize].clone());
                        b.tag_sets.len() as i32 - 1
                    })
                };
                let opt = |x: i32| {
                    if x == NULL_INT32 {
                        None
                    } else {
                        Some(Int32(x))
                    }
                };
                b.metric.push(local);
                b.value.push(float(r.value[i]));
                b.step.push(Step(r.step[i]));
                b.timestamp_us.push(ts);
                b.epoch.push(opt(r.epoch[i]));
                b.batch.push(opt(r.batch[i]));
                b.tag_index.push(local_tag);
            }
            if !b.value.is_empty() {
                out.push(b);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(run: &str, rows: &[(&str, i64, f64)]) -> BatchWire {
        let mut names: Vec<String> = vec![];
        let mut metric = vec![];
        for (m, _, _) in rows {
            let i = names.iter().position(|n| n == m).unwrap_or_else(|| {
                names.push(m.to_string());
                names.len() - 1
            });
            metric.push(i as u32);
        }
        BatchWire {
            schema_version: 1,
            run_id: run.into(),
            metric_names: names,
            metric,
            value: rows.iter().map(|r| WireFloat(r.2)).collect(),
            step: rows.iter().map(|r| Step(r.1)).collect(),
            timestamp_us: rows.iter().map(|r| 1e15 + r.1 as f64 * 1000.0).collect(),
            epoch: vec![None; rows.len()],
            batch: vec![None; rows.len()],
            tag_sets: vec![],
            tag_index: vec![-1; rows.len()],
        }
    }

    fn q() -> QueryWire {
        serde_json::from_str(r#"{"schema_version":1}"#).unwrap()
    }

    #[test]
    fn run_ids_follow_the_db_rules() {
        assert!(check_run_id("run-1.2").is_ok());
        assert_eq!(check_run_id("").unwrap_err().code, INVALID_RUN_ID);
        assert_eq!(check_run_id("a\u{0}b").unwrap_err().code, INVALID_RUN_ID);
        assert_eq!(check_run_id("a\u{85}b").unwrap_err().code, INVALID_RUN_ID);
        assert!(check_run_id(&"a".repeat(200)).is_ok());
        assert!(check_run_id(&"a".repeat(201)).is_err());
        assert!(check_run_id(&"/".repeat(67)).is_err());
    }

    #[test]
    fn a_malformed_batch_keeps_nothing() {
        let mut s = Store::in_memory();
        s.write(&batch("r", &[("loss", 1, 1.0)])).unwrap();
        let mut bad = batch("r", &[("loss", 2, 2.0)]);
        bad.metric[0] = 5;
        assert_eq!(s.write(&bad).unwrap_err().code, WIRE_INVALID);
        let mut short = batch("r", &[("loss", 2, 2.0)]);
        short.step.clear();
        assert_eq!(s.write(&short).unwrap_err().code, WIRE_INVALID);
        let long = batch("r", &[(&"m".repeat(257), 2, 2.0)]);
        assert_eq!(s.write(&long).unwrap_err().code, INVALID_METRIC_NAME);
        assert_eq!(s.row_count(), 1);
    }

    #[test]
    fn query_groups_orders_and_filters() {
        let mut s = Store::in_memory();
        s.write(&batch("b", &[("loss", 1, 10.0)])).unwrap();
        s.write(&batch(
            "a",
            &[("loss", 3, 3.0), ("acc", 1, 0.5), ("loss", 1, 1.0)],
        ))
        .unwrap();
        let out = s.query(&q()).unwrap();
        let keys: Vec<String> = out
            .iter()
            .map(|x| format!("{}/{}", x.run_id, x.metric))
            .collect();
        assert_eq!(keys, vec!["a/acc", "a/loss", "b/loss"]);
        assert_eq!(
            out[1].x.iter().map(|w| w.0).collect::<Vec<_>>(),
            vec![1.0, 3.0]
        );
        let mut only: QueryWire =
            serde_json::from_str(r#"{"schema_version":1,"runs":["a"],"steps":[2,5]}"#).unwrap();
        assert_eq!(s.query(&only).unwrap().len(), 1);
        only.aggregate = Some("median".into());
        assert_eq!(s.query(&only).unwrap_err().code, WIRE_INVALID);
    }

    #[test]
    fn unreferenced_names_and_tag_sets_are_not_kept() {
        let mut s = Store::in_memory();
        let mut b = batch("r", &[("loss", 1, 1.0)]);
        b.metric_names
            .extend((0..1000).map(|i| format!("unused-{i}")));
        b.tag_sets = (0..1000)
            .map(|i| TagSet(vec![("k".to_string(), i.to_string())]))
            .collect();
        b.tag_index = vec![7];
        s.write(&b).unwrap();
        assert_eq!((s.names.len(), s.tag_sets.len()), (1, 1));
        assert_eq!(s.tag_sets[0].get("k").map(String::as_str), Some("7"));
    }

    #[test]
    fn close_refuses_writes_but_not_reads() {
        let mut s = Store::in_memory();
        s.write(&batch("r", &[("loss", 1, 1.0)])).unwrap();
        s.close();
        s.close();
        assert_eq!(
            s.write(&batch("r", &[("loss", 2, 1.0)])).unwrap_err().code,
            CLOSED
        );
        assert_eq!(s.flush().unwrap_err().code, CLOSED);
        assert_eq!(s.query(&q()).unwrap().len(), 1);
    }

    #[test]
    fn rows_and_runs_survive_reopen() {
        let p = std::env::temp_dir().join(format!("entrenar-store-{}-reopen", std::process::id()));
        let _ = std::fs::remove_file(&p);
        {
            let (mut s, _) = Store::open(&p).unwrap();
            s.write(&batch(
                "r",
                &[("loss", 1, f64::NAN), ("loss", 9_007_199_254_740_991, -0.0)],
            ))
            .unwrap();
            s.put_run(
                serde_json::from_str(
                    r#"{"id":"r","status":"running","start_time_ms":5,"config":{"z":1,"a":2}}"#,
                )
                .unwrap(),
            )
            .unwrap();
        }
        let (s, torn) = Store::open(&p).unwrap();
        assert_eq!(torn, 0);
        assert_eq!(s.row_count(), 2);
        let out = s.query(&q()).unwrap();
        assert!(out[0].value[0].0.is_nan());
        assert!(out[0].value[1].0.is_sign_negative());
        assert_eq!(out[0].x[1].0, 9_007_199_254_740_991.0);
        assert_eq!(
            s.runs()[0].config.as_ref().unwrap().get(),
            r#"{"z":1,"a":2}"#
        );
        std::fs::remove_file(&p).unwrap();
    }
}
