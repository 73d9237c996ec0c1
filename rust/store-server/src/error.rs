//! Coded errors with the same codes and HTTP statuses as `@entrenar/core`'s handler.

use std::fmt;

/// An error answer: a stable `ENTRENAR_*` code and a message that starts with the component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    pub code: &'static str,
    pub message: String,
}

impl StoreError {
    /// Builds an error; `message` is prefixed with `entrenar-store-server: `.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        StoreError {
            code,
            message: format!("entrenar-store-server: {}", message.into()),
        }
    }

    /// The HTTP status of the code, as `errorResponse` in `packages/core/src/http/handler.ts` maps it.
    pub fn status(&self) -> u16 {
        match self.code {
            HTTP_NOT_FOUND | NOT_FOUND => 404,
            HTTP_UNAUTHORIZED => 401,
            HTTP_MISDIRECTED => 421,
            HTTP_MEDIA_TYPE => 415,
            UNSUPPORTED => 501,
            CLOSED => 409,
            INTERNAL => 500,
            BODY_TOO_LARGE => 413,
            BUSY => 429,
            c if c.contains("INVALID")
                || c.contains("WIRE")
                || c.contains("CYCLE")
                || c.contains("CORRUPT") =>
            {
                400
            }
            _ => 500,
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for StoreError {}

pub const INVALID_METRIC_NAME: &str = "ENTRENAR_INVALID_METRIC_NAME";
pub const INVALID_RUN_ID: &str = "ENTRENAR_INVALID_RUN_ID";
pub const INVALID_QUERY: &str = "ENTRENAR_INVALID_QUERY";
pub const INVALID_CONFIG: &str = "ENTRENAR_INVALID_CONFIG";
pub const WIRE_INVALID: &str = "ENTRENAR_WIRE_INVALID";
pub const WIRE_VERSION: &str = "ENTRENAR_WIRE_VERSION";
pub const HTTP_NOT_FOUND: &str = "ENTRENAR_HTTP_NOT_FOUND";
pub const HTTP_UNAUTHORIZED: &str = "ENTRENAR_HTTP_UNAUTHORIZED";
/// A `Host` that is not one of the server's names (DNS rebinding): 421, as the TypeScript servers answer.
pub const HTTP_MISDIRECTED: &str = "ENTRENAR_HTTP_MISDIRECTED";
/// A state-changing request that is not `application/json`: 415.
pub const HTTP_MEDIA_TYPE: &str = "ENTRENAR_HTTP_MEDIA_TYPE";
pub const UNSUPPORTED: &str = "ENTRENAR_UNSUPPORTED";
pub const CLOSED: &str = "ENTRENAR_CLOSED";
pub const DB_CORRUPT: &str = "ENTRENAR_DB_CORRUPT";
pub const NOT_FOUND: &str = "ENTRENAR_NOT_FOUND";
pub const INTERNAL: &str = "ENTRENAR_INTERNAL";
pub const BODY_TOO_LARGE: &str = "ENTRENAR_BODY_TOO_LARGE";
pub const BUSY: &str = "ENTRENAR_BUSY";
