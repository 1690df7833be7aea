//! Every failure as the one body the window's IPC also uses,
//! `{"kind": …, "message": …}`, with the HTTP status its kind maps to.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use coinlytics_engine::Error;
use coinlytics_engine::error::{ErrorBody, ErrorKind};

/// How long a client is asked to wait after a 429 or 503 it can retry.
const RETRY_AFTER_SECS: u64 = 30;

/// An engine error, or a refusal of the server's own, as a response.
#[derive(Debug)]
pub struct ApiError {
    body: ErrorBody,
    /// Seconds to wait before trying again, when it is known.
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ApiError {
        ApiError {
            body: ErrorBody {
                kind,
                message: message.into(),
            },
            retry_after: None,
        }
    }

    /// 429: too many requests; try again in `secs`.
    pub fn too_many(message: impl Into<String>, secs: u64) -> ApiError {
        ApiError {
            retry_after: Some(secs),
            ..ApiError::new(ErrorKind::TooManyRequests, message)
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        ApiError {
            body: e.body(),
            retry_after: None,
        }
    }
}

/// The status an error of `kind` is answered with.
pub fn status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::TimedOut => StatusCode::REQUEST_TIMEOUT,
        ErrorKind::RateLimited | ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Upstream | ErrorKind::Email | ErrorKind::Channel => StatusCode::BAD_GATEWAY,
        ErrorKind::Offline | ErrorKind::Keyring | ErrorKind::Storage => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status(self.body.kind);
        let mut response = (status, axum::Json(&self.body)).into_response();
        let headers = response.headers_mut();
        match status {
            StatusCode::UNAUTHORIZED => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
                let secs = self.retry_after.unwrap_or(RETRY_AFTER_SECS);
                headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_status() {
        let pinned = [
            (ErrorKind::InvalidInput, 400),
            (ErrorKind::NotFound, 404),
            (ErrorKind::Conflict, 409),
            (ErrorKind::Unauthorized, 401),
            (ErrorKind::Forbidden, 403),
            (ErrorKind::TooManyRequests, 429),
            (ErrorKind::TooLarge, 413),
            (ErrorKind::TimedOut, 408),
            (ErrorKind::RateLimited, 429),
            (ErrorKind::Offline, 503),
            (ErrorKind::Storage, 503),
            (ErrorKind::Keyring, 503),
            (ErrorKind::Upstream, 502),
            (ErrorKind::Email, 502),
            (ErrorKind::Channel, 502),
            (ErrorKind::Internal, 500),
        ];
        for (kind, code) in pinned {
            assert_eq!(status(kind).as_u16(), code, "{kind:?}");
        }
    }
}
