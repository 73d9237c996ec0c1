//! `entrenar-tracking-client`: logs one run the way the Rust entrenar's tracking client does, with
//! exactly the request bodies of its REST API (`src/server/` of paiml/entrenar), and decodes every
//! reply into that API's types. Used to prove that `entrenar serve` accepts a Rust training job
//! unchanged.
//!
//! ```text
//! entrenar-tracking-client <base-url> [--token T] [--steps N] [--name NAME]
//! ```
//! On success it prints `{"experiment_id": …, "run_id": …, "steps": N}` on stdout; on any
//! unexpected answer it names it on stderr and exits 1 (2 for bad arguments).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// The envelope of every reply but `/health`.
#[derive(Debug, Deserialize)]
struct ApiResponse<T> {
    success: bool,
    data: Option<T>,
    error: Option<String>,
    request_id: String,
}

/// `GET /health`.
#[derive(Debug, Deserialize)]
struct Health {
    status: String,
    #[allow(dead_code)]
    version: String,
    #[allow(dead_code)]
    uptime_secs: u64,
    experiments_count: usize,
    runs_count: usize,
}

/// An experiment as the API returns it.
#[derive(Debug, Deserialize)]
struct Experiment {
    id: String,
    name: String,
    description: Option<String>,
    #[allow(dead_code)]
    created_at: String,
    tags: HashMap<String, String>,
}

/// A run as the API returns it.
#[derive(Debug, Deserialize)]
struct Run {
    id: String,
    experiment_id: String,
    name: Option<String>,
    status: String,
    #[allow(dead_code)]
    start_time: String,
    end_time: Option<String>,
    params: HashMap<String, Value>,
    metrics: HashMap<String, f64>,
    tags: HashMap<String, String>,
}

#[derive(Serialize)]
struct CreateExperiment<'a> {
    name: &'a str,
    description: Option<&'a str>,
    tags: HashMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct CreateRun<'a> {
    experiment_id: &'a str,
    name: Option<&'a str>,
    tags: HashMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct UpdateRun<'a> {
    status: Option<&'a str>,
    end_time: Option<String>,
}

#[derive(Serialize)]
struct LogMetrics {
    metrics: HashMap<String, f64>,
    step: Option<u64>,
}

struct Client {
    base: String,
    token: Option<String>,
}

type Fail = String;

impl Client {
    fn request(&self, method: &str, path: &str) -> ureq::Request {
        let r = ureq::request(method, &format!("{}{}", self.base, path));
        match &self.token {
            Some(t) => r.set("Authorization", &format!("Bearer {t}")),
            None => r,
        }
    }

    /// Sends and returns (status, body) whatever the status.
    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Result<(u16, String), Fail> {
        let req = self.request(method, path);
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        let res = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(format!("{method} {path}: {e}")),
        };
        let status = res.status();
        let text = res
            .into_string()
            .map_err(|e| format!("{method} {path}: cannot read the reply: {e}"))?;
        Ok((status, text))
    }

    /// Calls a wrapped route and returns its `data`, checking the status and the envelope.
    fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        want: u16,
    ) -> Result<T, Fail> {
        let (status, text) = self.send(method, path, body)?;
        if status != want {
            return Err(format!(
                "{method} {path}: expected {want}, got {status}: {text}"
            ));
        }
        let reply: ApiResponse<T> = serde_json::from_str(&text)
            .map_err(|e| format!("{method} {path}: reply does not decode: {e}: {text}"))?;
        if !reply.success || reply.error.is_some() || !reply.request_id.starts_with("req-") {
            return Err(format!("{method} {path}: bad envelope: {text}"));
        }
        reply
            .data
            .ok_or_else(|| format!("{method} {path}: no data: {text}"))
    }
}

/// Formats milliseconds since the Unix epoch as RFC 3339 UTC (days-to-civil, Howard Hinnant's algorithm).
fn rfc3339(ms: u64) -> String {
    let (secs, millis) = (ms / 1000, ms % 1000);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn to_value<T: Serialize>(x: &T) -> Value {
    serde_json::to_value(x).expect("request bodies serialise")
}

fn check(cond: bool, what: String) -> Result<(), Fail> {
    if cond {
        Ok(())
    } else {
        Err(what)
    }
}

fn run(base: &str, token: Option<String>, steps: u64, name: &str) -> Result<Value, Fail> {
    let c = Client {
        base: base.trim_end_matches('/').to_string(),
        token,
    };
    let (status, text) = c.send("GET", "/health", None)?;
    check(status == 200, format!("GET /health: {status} {text}"))?;
    let health: Health = serde_json::from_str(&text)
        .map_err(|e| format!("GET /health does not decode: {e}: {text}"))?;
    check(
        health.status == "healthy",
        format!("GET /health: status {}", health.status),
    )?;

    let exp: Experiment = c.call(
        "POST",
        "/api/v1/experiments",
        Some(to_value(&CreateExperiment {
            name: "rust-interop",
            description: Some("logged by the Rust tracking client"),
            tags: HashMap::from([("team", "ml")]),
        })),
        201,
    )?;
    check(
        exp.name == "rust-interop"
            && exp.tags.get("team").map(String::as_str) == Some("ml")
            && exp.description.is_some(),
        format!("experiment echoed wrong: {exp:?}"),
    )?;
    let listed: Vec<Experiment> = c.call("GET", "/api/v1/experiments", None, 200)?;
    check(
        listed.iter().any(|e| e.id == exp.id),
        "the new experiment is not listed".into(),
    )?;
    let got: Experiment = c.call("GET", &format!("/api/v1/experiments/{}", exp.id), None, 200)?;
    check(
        got.id == exp.id,
        "GET experiment answered another one".into(),
    )?;

    let run: Run = c.call(
        "POST",
        "/api/v1/runs",
        Some(to_value(&CreateRun {
            experiment_id: &exp.id,
            name: Some(name),
            tags: HashMap::from([("device", "cpu")]),
        })),
        201,
    )?;
    check(
        run.status == "running" && run.experiment_id == exp.id && run.name.as_deref() == Some(name),
        format!("run created wrong: {run:?}"),
    )?;

    let _: String = c.call(
        "POST",
        &format!("/api/v1/runs/{}/params", run.id),
        Some(json!({ "params": { "lr": 0.001, "layers": [4, 8], "optimizer": "adam" } })),
        200,
    )?;
    for step in 0..steps {
        let loss = 1.0 / (step as f64 + 1.0);
        let m = LogMetrics {
            metrics: HashMap::from([
                ("loss".to_string(), loss),
                ("accuracy".to_string(), 1.0 - loss / 2.0),
            ]),
            step: Some(step),
        };
        let _: String = c.call(
            "POST",
            &format!("/api/v1/runs/{}/metrics", run.id),
            Some(to_value(&m)),
            200,
        )?;
    }
    // Without a step the server takes the next step of the run.
    let m = LogMetrics {
        metrics: HashMap::from([("loss".to_string(), 0.0)]),
        step: None,
    };
    let _: String = c.call(
        "POST",
        &format!("/api/v1/runs/{}/metrics", run.id),
        Some(to_value(&m)),
        200,
    )?;

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis() as u64;
    let done: Run = c.call(
        "PATCH",
        &format!("/api/v1/runs/{}", run.id),
        Some(to_value(&UpdateRun {
            status: Some("completed"),
            end_time: Some(rfc3339(now)),
        })),
        200,
    )?;
    check(
        done.status == "completed" && done.end_time.is_some(),
        format!("PATCH did not complete the run: {done:?}"),
    )?;

    let back: Run = c.call("GET", &format!("/api/v1/runs/{}", run.id), None, 200)?;
    check(
        back.params.get("lr") == Some(&json!(0.001))
            && back.params.get("optimizer") == Some(&json!("adam")),
        format!("params: {:?}", back.params),
    )?;
    check(
        back.tags.get("device").map(String::as_str) == Some("cpu"),
        format!("tags: {:?}", back.tags),
    )?;
    check(
        back.metrics.get("loss") == Some(&0.0),
        format!("latest loss: {:?}", back.metrics),
    )?;
    if steps > 0 {
        let acc = 1.0 - 1.0 / (steps as f64) / 2.0;
        check(
            back.metrics.get("accuracy") == Some(&acc),
            format!("latest accuracy: {:?}", back.metrics),
        )?;
    }

    let (status, text) = c.send("GET", "/api/v1/runs/run-does-not-exist", None)?;
    let miss: ApiResponse<Value> = serde_json::from_str(&text)
        .map_err(|e| format!("404 reply does not decode: {e}: {text}"))?;
    check(
        status == 404 && !miss.success && miss.data.is_none() && miss.error.is_some(),
        format!("unknown run: {status} {text}"),
    )?;
    let (status, _) = c.send(
        "POST",
        "/api/v1/runs",
        Some(to_value(&CreateRun {
            experiment_id: "exp-missing",
            name: None,
            tags: HashMap::new(),
        })),
    )?;
    check(
        status == 404,
        format!("a run of an unknown experiment answered {status}, not 404"),
    )?;

    let (_, text) = c.send("GET", "/health", None)?;
    let after: Health =
        serde_json::from_str(&text).map_err(|e| format!("GET /health does not decode: {e}"))?;
    check(
        after.experiments_count > health.experiments_count && after.runs_count > health.runs_count,
        format!("health counts did not grow: {text}"),
    )?;
    Ok(json!({ "experiment_id": exp.id, "run_id": run.id, "steps": steps + 1 }))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: entrenar-tracking-client <base-url> [--token T] [--steps N] [--name NAME]";
    let Some(base) = args.first().filter(|a| !a.starts_with("--")) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let (mut token, mut steps, mut name) = (
        std::env::var("ENTRENAR_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()),
        20u64,
        "rust-run".to_string(),
    );
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).cloned();
        match (args[i].as_str(), value) {
            ("--token", Some(v)) => token = Some(v),
            ("--steps", Some(v)) => match v.parse() {
                Ok(n) => steps = n,
                Err(_) => {
                    eprintln!("--steps {v} is not a number\n{usage}");
                    std::process::exit(2);
                }
            },
            ("--name", Some(v)) => name = v,
            (flag, _) => {
                eprintln!("unknown or incomplete option {flag}\n{usage}");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    match run(base, token, steps, &name) {
        Ok(summary) => println!("{summary}"),
        Err(e) => {
            eprintln!("entrenar-tracking-client: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }

    #[test]
    fn bodies_have_the_api_shapes() {
        let m = LogMetrics {
            metrics: HashMap::from([("loss".to_string(), 0.5)]),
            step: None,
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"metrics":{"loss":0.5},"step":null}"#
        );
        let r = CreateRun {
            experiment_id: "exp-1",
            name: None,
            tags: HashMap::new(),
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"experiment_id":"exp-1","name":null,"tags":{}}"#
        );
    }
}
