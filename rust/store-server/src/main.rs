//! `entrenar-store-server`: a `MetricStore` over HTTP, the counterpart of `@entrenar/db`. It serves
//! every `/v1/store/*` route of docs/openapi.json and keeps its rows in one append-only file,
//! synced before a write is acknowledged.
//!
//! ```text
//! entrenar-store-server --data runs.store [--port 7070] [--host 127.0.0.1] [--token T]
//!                       [--max-body-bytes N] [--allow-host NAME]... [--read-timeout-ms 30000]
//! ```
//! It prints the bound base URL (`http://127.0.0.1:PORT`) as one line on stdout once it accepts
//! connections, so `--port 0` can be used by tests. The token may come from `ENTRENAR_TOKEN`.

mod error;
mod http;
mod log;
mod query;
mod store;
mod wire;

use error::{StoreError, BUSY, INVALID_CONFIG};
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use tiny_http::{Header, Response, Server};

/// Requests handled at once; more answer 429 `ENTRENAR_BUSY` (each one has its own thread, so a
/// slow client holds only its own).
const MAX_IN_FLIGHT: usize = 64;

struct Options {
    data: PathBuf,
    port: u16,
    host: String,
    token: Option<String>,
    max_body_bytes: usize,
    allow_hosts: Vec<String>,
    read_timeout_ms: u64,
}

fn usage(msg: &str) -> StoreError {
    StoreError::new(INVALID_CONFIG, format!("{msg}\nusage: entrenar-store-server --data FILE [--port N] [--host ADDR] [--token T] [--max-body-bytes N] [--allow-host NAME]... [--read-timeout-ms N]"))
}

fn parse_args(args: &[String], env_token: Option<String>) -> Result<Options, StoreError> {
    let mut o = Options {
        data: PathBuf::new(),
        port: 7070,
        host: "127.0.0.1".into(),
        token: env_token.filter(|t| !t.is_empty()),
        max_body_bytes: 64 << 20,
        allow_hosts: vec![],
        read_timeout_ms: 30_000,
    };
    let mut data = None;
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        let value = args
            .get(i + 1)
            .ok_or_else(|| usage(&format!("{flag} needs a value")))?;
        match flag {
            "--data" => data = Some(PathBuf::from(value)),
            "--port" => {
                o.port = value
                    .parse()
                    .map_err(|_| usage(&format!("--port {value} is not in 0..65535")))?
            }
            "--host" => o.host = value.clone(),
            "--token" => o.token = Some(value.clone()).filter(|t| !t.is_empty()),
            "--max-body-bytes" => {
                o.max_body_bytes =
                    value
                        .parse()
                        .ok()
                        .filter(|&n: &usize| n > 0)
                        .ok_or_else(|| {
                            usage(&format!(
                                "--max-body-bytes {value} must be a positive integer"
                            ))
                        })?
            }
            "--allow-host" => o.allow_hosts.push(value.to_ascii_lowercase()),
            "--read-timeout-ms" => {
                o.read_timeout_ms = value.parse().map_err(|_| {
                    usage(&format!(
                        "--read-timeout-ms {value} must be an integer (0: none)"
                    ))
                })?
            }
            _ => return Err(usage(&format!("unknown option {flag}"))),
        }
        i += 2;
    }
    o.data = data.ok_or_else(|| usage("--data FILE is required"))?;
    let ip: IpAddr = o
        .host
        .parse()
        .map_err(|_| usage(&format!("--host {} is not an IP address", o.host)))?;
    if !ip.is_loopback() && o.token.is_none() {
        return Err(usage(&format!(
            "binding {} (not loopback) requires a bearer token: pass --token or set ENTRENAR_TOKEN",
            o.host
        )));
    }
    Ok(o)
}

fn header<'a>(req: &'a tiny_http::Request, name: &str) -> Option<&'a str> {
    req.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

fn respond(req: tiny_http::Request, reply: http::Reply) {
    let mut res = Response::from_data(reply.body).with_status_code(reply.status);
    res.add_header(
        Header::from_bytes(&b"content-type"[..], &b"application/json"[..]).expect("static header"),
    );
    if let Some(code) = reply.code {
        res.add_header(
            Header::from_bytes(http::CODE_HEADER.as_bytes(), code.as_bytes())
                .expect("codes are ASCII"),
        );
        if code == error::HTTP_UNAUTHORIZED {
            res.add_header(
                Header::from_bytes(&b"www-authenticate"[..], &b"Bearer"[..])
                    .expect("static header"),
            );
        }
    }
    let _ = req.respond(res);
}

fn serve_one(config: &http::Config, store: &RwLock<store::Store>, mut req: tiny_http::Request) {
    let method = req.method().as_str().to_string();
    let url = req.url().to_string();
    let host = header(&req, "host").map(String::from);
    let authorization = header(&req, "authorization").map(String::from);
    let content_type = header(&req, "content-type").map(String::from);
    let content_length = req.body_length();
    let reply = http::handle(
        config,
        store,
        http::Incoming {
            method: &method,
            url: &url,
            host: host.as_deref(),
            authorization: authorization.as_deref(),
            content_type: content_type.as_deref(),
            content_length,
            body: req.as_reader(),
        },
    );
    respond(req, reply);
}

fn run() -> Result<(), StoreError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = parse_args(&args, std::env::var("ENTRENAR_TOKEN").ok())?;
    let (store, torn) = store::Store::open(&o.data)?;
    if torn > 0 {
        eprintln!("entrenar-store-server: cut a torn tail of {torn} bytes from {} (an append that never completed, so never acknowledged)", o.data.display());
    }
    // A client that stops sending mid-request is cut off instead of holding its thread forever.
    tiny_http::READ_TIMEOUT_MS.store(o.read_timeout_ms, Ordering::Relaxed);
    let server = Server::http((o.host.as_str(), o.port)).map_err(|e| {
        StoreError::new(
            INVALID_CONFIG,
            format!("cannot bind {}:{}: {e}", o.host, o.port),
        )
    })?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| StoreError::new(INVALID_CONFIG, "bound to a non-IP address"))?;
    let mut hosts = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let bound = addr.ip().to_string();
    if !hosts.contains(&bound) {
        hosts.push(bound);
    }
    hosts.extend(o.allow_hosts.iter().cloned());
    let config = Arc::new(http::Config {
        token: o.token.clone(),
        max_body_bytes: o.max_body_bytes,
        allowed_hosts: hosts,
    });
    let store = Arc::new(RwLock::new(store));
    let url = if addr.is_ipv6() {
        format!("http://[{}]:{}", addr.ip(), addr.port())
    } else {
        format!("http://{addr}")
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{url}");
    let _ = out.flush();
    let in_flight = Arc::new(AtomicUsize::new(0));
    loop {
        let req = match server.recv() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("entrenar-store-server: accept failed: {e}");
                continue;
            }
        };
        if in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            respond(
                req,
                http::Reply::error(StoreError::new(
                    BUSY,
                    format!("{MAX_IN_FLIGHT} requests in flight; retry later"),
                )),
            );
            continue;
        }
        let (config, store, in_flight) = (config.clone(), store.clone(), in_flight.clone());
        let spawned = std::thread::Builder::new()
            .name("request".into())
            .spawn(move || {
                serve_one(&config, &store, req);
                in_flight.fetch_sub(1, Ordering::SeqCst);
            });
        if let Err(e) = spawned {
            eprintln!("entrenar-store-server: cannot start a request thread: {e}");
        }
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("{e}");
        std::process::exit(if e.code == INVALID_CONFIG { 2 } else { 1 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn options() {
        let o = parse_args(&args(&["--data", "x", "--port", "0"]), None).unwrap();
        assert_eq!(
            (o.port, o.host.as_str(), o.token.is_none()),
            (0, "127.0.0.1", true)
        );
        assert_eq!(
            parse_args(&args(&["--port", "0"]), None)
                .err()
                .unwrap()
                .code,
            INVALID_CONFIG
        );
        assert_eq!(
            parse_args(&args(&["--data", "x", "--bogus", "1"]), None)
                .err()
                .unwrap()
                .code,
            INVALID_CONFIG
        );
        assert_eq!(
            parse_args(&args(&["--data", "x", "--host", "0.0.0.0"]), None)
                .err()
                .unwrap()
                .code,
            INVALID_CONFIG
        );
        assert!(parse_args(
            &args(&["--data", "x", "--host", "0.0.0.0"]),
            Some("t".into())
        )
        .is_ok());
        assert_eq!(
            parse_args(&args(&["--data", "x", "--port", "70000"]), None)
                .err()
                .unwrap()
                .code,
            INVALID_CONFIG
        );
        assert_eq!(
            parse_args(&args(&["--data"]), None).err().unwrap().code,
            INVALID_CONFIG
        );
    }
}
