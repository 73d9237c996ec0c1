//! Request handling, independent of the HTTP library so it can be tested directly: Host check
//! (DNS rebinding), bearer token (constant-time), `POST` with `application/json` only, a body cap
//! enforced while reading, `schema_version` before shape (as the TypeScript handler checks them),
//! then the store. Errors answer `{ schema_version, error: { code, message } }` with the code in
//! the `x-entrenar-code` header and the status `@entrenar/core` uses for it.

use crate::error::*;
use crate::store::Store;
use crate::wire::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::Read;
use std::sync::RwLock;

/// Header carrying the error code of an error answer.
pub const CODE_HEADER: &str = "x-entrenar-code";

/// How the server checks requests.
pub struct Config {
    /// When set, every route but `/healthz` requires `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Host names (lower case, without port) a request may address.
    pub allowed_hosts: Vec<String>,
}

/// An incoming request, as the handler needs it.
pub struct Incoming<'a> {
    pub method: &'a str,
    /// Path and query, as sent.
    pub url: &'a str,
    pub host: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub content_length: Option<usize>,
    pub body: &'a mut dyn Read,
}

/// An answer: status, JSON body, and the error code when it is an error.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub code: Option<&'static str>,
}

impl Reply {
    fn json<T: Serialize>(value: &T) -> Reply {
        match serde_json::to_vec(value) {
            Ok(body) => Reply {
                status: 200,
                body,
                code: None,
            },
            Err(e) => Reply::error(StoreError::new(
                INTERNAL,
                format!("cannot encode the answer: {e}"),
            )),
        }
    }

    /// The wire form of an error.
    pub fn error(e: StoreError) -> Reply {
        #[derive(Serialize)]
        struct Inner<'a> {
            code: &'a str,
            message: &'a str,
        }
        #[derive(Serialize)]
        struct Outer<'a> {
            schema_version: u32,
            error: Inner<'a>,
        }
        let body = serde_json::to_vec(&Outer {
            schema_version: SCHEMA_VERSION,
            error: Inner {
                code: e.code,
                message: &e.message,
            },
        })
        .unwrap_or_default();
        Reply {
            status: e.status(),
            body,
            code: Some(e.code),
        }
    }
}

#[derive(Serialize)]
struct Ack {
    schema_version: u32,
}

const ACK: Ack = Ack {
    schema_version: SCHEMA_VERSION,
};

/// The methods of the `store` service (docs/openapi.json).
pub const METHODS: [&str; 8] = [
    "write", "flush", "close", "query", "range", "runs", "putRun", "sql",
];

/// Compares in time independent of where the first difference is (length is not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    diff == 0
}

/// The host name of a `Host` header, lower case, without port (`[::1]:80` → `::1`).
pub fn host_name(header: &str) -> String {
    let h = header.trim().to_ascii_lowercase();
    if let Some(rest) = h.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("").to_string();
    }
    match h.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name.to_string(),
        _ => h,
    }
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/json")
    })
}

/// Reads at most `max` bytes; `None` when the body is larger.
fn read_capped(body: &mut dyn Read, max: usize) -> Result<Option<Vec<u8>>, StoreError> {
    let mut out = Vec::new();
    body.take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| StoreError::new(WIRE_INVALID, format!("cannot read the body: {e}")))?;
    Ok(if out.len() > max { None } else { Some(out) })
}

/// Parses a body as `T`, checking `schema_version` first: a wrong or missing version is
/// `ENTRENAR_WIRE_VERSION` whatever the shape; then a bad shape is `ENTRENAR_WIRE_INVALID`.
fn parse<T: DeserializeOwned + Versioned>(body: &[u8], what: &str) -> Result<T, StoreError> {
    match serde_json::from_slice::<T>(body) {
        Ok(v) if v.version_ok() => Ok(v),
        Ok(_) => Err(version_error(body, what)),
        Err(e) if e.is_data() => match serde_json::from_slice::<VersionProbe>(body) {
            Ok(p) if p.version_ok() => {
                Err(StoreError::new(WIRE_INVALID, format!("store.{what}: {e}")))
            }
            _ => Err(version_error(body, what)),
        },
        Err(_) => Err(StoreError::new(
            WIRE_INVALID,
            format!("store.{what}: body is not JSON"),
        )),
    }
}

fn version_error(body: &[u8], what: &str) -> StoreError {
    let got = serde_json::from_slice::<VersionProbe>(body)
        .ok()
        .and_then(|p| p.schema_version)
        .map_or("undefined".to_string(), |v| v.to_string());
    StoreError::new(
        WIRE_VERSION,
        format!("store.{what}: schema_version {got} is not {SCHEMA_VERSION}"),
    )
}

/// Handles one request against the store.
pub fn handle(config: &Config, store: &RwLock<Store>, req: Incoming) -> Reply {
    match route(config, store, req) {
        Ok(r) => r,
        Err(e) => Reply::error(e),
    }
}

fn route(config: &Config, store: &RwLock<Store>, req: Incoming) -> Result<Reply, StoreError> {
    // DNS rebinding: a page on another origin that resolves its name to 127.0.0.1 sends its own Host.
    let host = req.host.map(host_name);
    if !host
        .as_ref()
        .is_some_and(|h| config.allowed_hosts.iter().any(|a| a == h))
    {
        return Err(StoreError::new(
            HTTP_MISDIRECTED,
            format!(
                "Host {:?} is not one this server answers to",
                req.host.unwrap_or("")
            ),
        ));
    }
    let path = req.url.split('?').next().unwrap_or("");
    if path == "/healthz" {
        #[derive(Serialize)]
        struct Health {
            status: &'static str,
            schema_version: u32,
            rows: u64,
        }
        let rows = store.read().map_err(|_| poisoned())?.row_count();
        return Ok(Reply::json(&Health {
            status: "ok",
            schema_version: SCHEMA_VERSION,
            rows,
        }));
    }
    let name = path
        .strip_prefix("/v1/store/")
        .ok_or_else(|| StoreError::new(HTTP_NOT_FOUND, format!("no service at {path}")))?;
    if !METHODS.contains(&name) {
        return Err(StoreError::new(
            HTTP_NOT_FOUND,
            format!("store has no method {name:?}"),
        ));
    }
    if let Some(token) = &config.token {
        let want = format!("Bearer {token}");
        if !constant_time_eq(req.authorization.unwrap_or("").as_bytes(), want.as_bytes()) {
            return Err(StoreError::new(
                HTTP_UNAUTHORIZED,
                "missing or wrong bearer token",
            ));
        }
    }
    if req.method != "POST" {
        return Err(StoreError::new(
            WIRE_INVALID,
            format!("{} {path}: use POST", req.method),
        ));
    }
    // CSRF: a cross-origin "simple" request cannot carry application/json.
    if !is_json(req.content_type) {
        return Err(StoreError::new(
            HTTP_MEDIA_TYPE,
            format!(
                "{path}: content-type must be application/json, got {:?}",
                req.content_type.unwrap_or("")
            ),
        ));
    }
    if let Some(n) = req.content_length {
        if n > config.max_body_bytes {
            return Err(StoreError::new(
                BODY_TOO_LARGE,
                format!("body of {n} bytes exceeds {}", config.max_body_bytes),
            ));
        }
    }
    let body = read_capped(req.body, config.max_body_bytes)?.ok_or_else(|| {
        StoreError::new(
            BODY_TOO_LARGE,
            format!("body exceeds {} bytes", config.max_body_bytes),
        )
    })?;
    match name {
        "write" => {
            let b: BatchWire = parse(&body, name)?;
            store.write().map_err(|_| poisoned())?.write(&b)?;
            Ok(Reply::json(&ACK))
        }
        "flush" => {
            let _: EmptyWire = parse(&body, name)?;
            store.read().map_err(|_| poisoned())?.flush()?;
            Ok(Reply::json(&ACK))
        }
        "close" => {
            let _: EmptyWire = parse(&body, name)?;
            store.write().map_err(|_| poisoned())?.close();
            Ok(Reply::json(&ACK))
        }
        "putRun" => {
            let w: PutRunWire = parse(&body, name)?;
            store.write().map_err(|_| poisoned())?.put_run(w.run)?;
            Ok(Reply::json(&ACK))
        }
        "query" => {
            let q: QueryWire = parse(&body, name)?;
            let series = store.read().map_err(|_| poisoned())?.query(&q)?;
            #[derive(Serialize)]
            struct Answer {
                schema_version: u32,
                series: Vec<SeriesWire>,
            }
            Ok(Reply::json(&Answer {
                schema_version: SCHEMA_VERSION,
                series,
            }))
        }
        "range" => {
            let r: RangeWire = parse(&body, name)?;
            let batches = store.read().map_err(|_| poisoned())?.range(&r);
            #[derive(Serialize)]
            struct Answer {
                schema_version: u32,
                batches: Vec<BatchWire>,
            }
            Ok(Reply::json(&Answer {
                schema_version: SCHEMA_VERSION,
                batches,
            }))
        }
        "runs" => {
            let _: EmptyWire = parse(&body, name)?;
            let s = store.read().map_err(|_| poisoned())?;
            #[derive(Serialize)]
            struct Answer<'a> {
                schema_version: u32,
                runs: Vec<&'a RunWire>,
            }
            Ok(Reply::json(&Answer {
                schema_version: SCHEMA_VERSION,
                runs: s.runs(),
            }))
        }
        _ => {
            let _: SqlWire = parse(&body, name)?;
            Err(StoreError::new(UNSUPPORTED, "this store does not implement sql (it is optional in the contract; use query and range)"))
        }
    }
}

fn poisoned() -> StoreError {
    StoreError::new(
        INTERNAL,
        "the store lock is poisoned (an earlier request panicked)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(token: Option<&str>) -> Config {
        Config {
            token: token.map(String::from),
            max_body_bytes: 1024,
            allowed_hosts: vec!["127.0.0.1".into(), "localhost".into(), "::1".into()],
        }
    }

    fn call(
        c: &Config,
        s: &RwLock<Store>,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        let get = |k: &str| headers.iter().find(|h| h.0 == k).map(|h| h.1);
        let mut reader = body.as_bytes();
        handle(
            c,
            s,
            Incoming {
                method,
                url,
                host: get("host"),
                authorization: get("authorization"),
                content_type: get("content-type"),
                content_length: Some(body.len()),
                body: &mut reader,
            },
        )
    }

    const JSON: (&str, &str) = ("content-type", "application/json");
    const HOST: (&str, &str) = ("host", "127.0.0.1:7070");

    fn text(r: &Reply) -> String {
        String::from_utf8(r.body.clone()).unwrap()
    }

    #[test]
    fn routes_answer_the_wire_shapes() {
        let c = config(None);
        let s = RwLock::new(Store::in_memory());
        let w = r#"{"schema_version":1,"run_id":"r","metric_names":["loss"],"metric":[0,0],"value":["NaN",0.5],"step":[1,9007199254740991],"timestamp_us":[1,2],"epoch":[null,3],"batch":[null,null],"tag_sets":[],"tag_index":[-1,-1]}"#;
        let r = call(&c, &s, "POST", "/v1/store/write", &[HOST, JSON], w);
        assert_eq!(
            (r.status, text(&r)),
            (200, r#"{"schema_version":1}"#.to_string())
        );
        let r = call(
            &c,
            &s,
            "POST",
            "/v1/store/query",
            &[HOST, JSON],
            r#"{"schema_version":1}"#,
        );
        assert_eq!(
            text(&r),
            r#"{"schema_version":1,"series":[{"run_id":"r","metric":"loss","x":[1,9007199254740991.0],"value":["NaN",0.5],"timestamp_us":[1,2]}]}"#
        );
        let r = call(
            &c,
            &s,
            "POST",
            "/v1/store/range",
            &[HOST, JSON],
            r#"{"schema_version":1,"from_us":0,"to_us":10}"#,
        );
        assert!(
            text(&r).contains(r#""step":[1,9007199254740991]"#),
            "{}",
            text(&r)
        );
        assert!(text(&r).contains(r#""epoch":[null,3]"#), "{}", text(&r));
        let r = call(
            &c,
            &s,
            "POST",
            "/v1/store/sql",
            &[HOST, JSON],
            r#"{"schema_version":1,"sql":"select 1"}"#,
        );
        assert_eq!((r.status, r.code), (501, Some(UNSUPPORTED)));
    }

    #[test]
    fn errors_carry_codes_and_statuses() {
        let c = config(None);
        let s = RwLock::new(Store::in_memory());
        type Case<'a> = (
            &'a str,
            &'a str,
            Vec<(&'a str, &'a str)>,
            &'a str,
            u16,
            &'a str,
        );
        let cases: Vec<Case> = vec![
            (
                "POST",
                "/v1/store/nope",
                vec![HOST, JSON],
                "{}",
                404,
                HTTP_NOT_FOUND,
            ),
            (
                "POST",
                "/v1/other/write",
                vec![HOST, JSON],
                "{}",
                404,
                HTTP_NOT_FOUND,
            ),
            ("GET", "/v1/store/runs", vec![HOST], "", 400, WIRE_INVALID),
            (
                "POST",
                "/v1/store/runs",
                vec![HOST, JSON],
                "{",
                400,
                WIRE_INVALID,
            ),
            (
                "POST",
                "/v1/store/runs",
                vec![HOST, JSON],
                "{}",
                400,
                WIRE_VERSION,
            ),
            (
                "POST",
                "/v1/store/runs",
                vec![HOST, JSON],
                r#"{"schema_version":2}"#,
                400,
                WIRE_VERSION,
            ),
            (
                "POST",
                "/v1/store/write",
                vec![HOST, JSON],
                r#"{"schema_version":2,"garbage":true}"#,
                400,
                WIRE_VERSION,
            ),
            (
                "POST",
                "/v1/store/write",
                vec![HOST, JSON],
                r#"{"schema_version":1,"run_id":"r"}"#,
                400,
                WIRE_INVALID,
            ),
            (
                "POST",
                "/v1/store/query",
                vec![HOST, JSON],
                r#"{"schema_version":1,"steps":[1]}"#,
                400,
                WIRE_INVALID,
            ),
            (
                "POST",
                "/v1/store/runs",
                vec![HOST, ("content-type", "text/plain")],
                r#"{"schema_version":1}"#,
                415,
                HTTP_MEDIA_TYPE,
            ),
            (
                "POST",
                "/v1/store/runs",
                vec![HOST],
                r#"{"schema_version":1}"#,
                415,
                HTTP_MEDIA_TYPE,
            ),
            (
                "POST",
                "/v1/store/runs",
                vec![("host", "evil.example:7070"), JSON],
                r#"{"schema_version":1}"#,
                421,
                HTTP_MISDIRECTED,
            ),
            (
                "POST",
                "/v1/store/runs",
                vec![JSON],
                r#"{"schema_version":1}"#,
                421,
                HTTP_MISDIRECTED,
            ),
        ];
        for (m, url, h, body, status, code) in cases {
            let r = call(&c, &s, m, url, &h, body);
            assert_eq!(
                (r.status, r.code),
                (status, Some(code)),
                "{m} {url} {body}: {}",
                text(&r)
            );
            assert!(text(&r).starts_with(r#"{"schema_version":1,"error":{"code":""#));
        }
        let big = format!(r#"{{"schema_version":1,"pad":"{}"}}"#, "x".repeat(2000));
        let r = call(&c, &s, "POST", "/v1/store/runs", &[HOST, JSON], &big);
        assert_eq!((r.status, r.code), (413, Some(BODY_TOO_LARGE)));
    }

    #[test]
    fn a_body_larger_than_declared_is_cut_while_reading() {
        let c = config(None);
        let s = RwLock::new(Store::in_memory());
        let big = "x".repeat(1 << 20);
        let mut reader = big.as_bytes();
        let r = handle(
            &c,
            &s,
            Incoming {
                method: "POST",
                url: "/v1/store/runs",
                host: Some("localhost"),
                authorization: None,
                content_type: Some("application/json"),
                content_length: None,
                body: &mut reader,
            },
        );
        assert_eq!(r.code, Some(BODY_TOO_LARGE));
        // Only the cap (plus one byte) was read.
        assert_eq!(reader.len(), (1 << 20) - 1025);
    }

    #[test]
    fn the_token_is_required_when_set() {
        let c = config(Some("s3cret"));
        let s = RwLock::new(Store::in_memory());
        let body = r#"{"schema_version":1}"#;
        assert_eq!(
            call(&c, &s, "POST", "/v1/store/runs", &[HOST, JSON], body).code,
            Some(HTTP_UNAUTHORIZED)
        );
        assert_eq!(
            call(
                &c,
                &s,
                "POST",
                "/v1/store/runs",
                &[HOST, JSON, ("authorization", "Bearer s3cres")],
                body
            )
            .code,
            Some(HTTP_UNAUTHORIZED)
        );
        assert_eq!(
            call(
                &c,
                &s,
                "POST",
                "/v1/store/runs",
                &[HOST, JSON, ("authorization", "Bearer s3cret")],
                body
            )
            .status,
            200
        );
        assert_eq!(call(&c, &s, "GET", "/healthz", &[HOST], "").status, 200);
    }

    #[test]
    fn host_names() {
        assert_eq!(host_name("127.0.0.1:7070"), "127.0.0.1");
        assert_eq!(host_name("[::1]:80"), "::1");
        assert_eq!(host_name("LocalHost"), "localhost");
        assert_eq!(host_name("evil.example"), "evil.example");
        assert!(
            constant_time_eq(b"abc", b"abc")
                && !constant_time_eq(b"abc", b"abd")
                && !constant_time_eq(b"abc", b"ab")
        );
    }
}
