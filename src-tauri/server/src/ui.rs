//! The dashboard's page (ui/, the window's page) served at `/` to a
//! browser: the same files, embedded at build time. `api.js` sees no
//! `window.__TAURI__` there and talks to `/api/v1` instead.

use std::io::Read;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use coinlytics_engine::error::ErrorKind;

use crate::error::ApiError;

// `FILES`: each file's path under ui/ and its gzipped bytes (build.rs).
include!(concat!(env!("OUT_DIR"), "/ui_files.rs"));

/// The window's policy (tauri.conf.json) with the page's calls going to
/// this server (and its stream) rather than to Tauri's IPC; a test keeps
/// the two the same otherwise.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://coin-images.coingecko.com https://assets.coingecko.com; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// What a file is, by its extension: the page's few kinds.
fn mime(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// A file of the page, by its path; `/` is index.html. Sent gzipped to a
/// client that takes it (every browser), inflated for one that does not.
pub async fn file(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return ApiError::new(ErrorKind::NotFound, "the page's files are only read")
            .into_response();
    }
    let path = match uri.path().trim_start_matches('/') {
        "" => "index.html",
        p => p,
    };
    let Some((_, gz)) = FILES.iter().find(|(name, _)| *name == path) else {
        return ApiError::new(
            ErrorKind::NotFound,
            "no such page; the dashboard is at /, the API under /api/v1",
        )
        .into_response();
    };
    let takes_gzip = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| e.trim().split(';').next() == Some("gzip"));
    let mut answer = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime(path))),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(POLICY),
            ),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ],
    )
        .into_response();
    if takes_gzip {
        answer
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        *answer.body_mut() = axum::body::Body::from(*gz);
        return answer;
    }
    let mut plain = Vec::new();
    if let Err(e) = flate2::read::GzDecoder::new(*gz).read_to_end(&mut plain) {
        return ApiError::new(
            ErrorKind::Internal,
            format!("the page's file {path} is damaged: {e}"),
        )
        .into_response();
    }
    *answer.body_mut() = axum::body::Body::from(plain);
    answer
}

#[cfg(test)]
mod tests {
    /// Each directive, `connect-src` aside (the window's goes to Tauri's IPC).
    fn directives(policy: &str) -> Vec<String> {
        let mut d: Vec<String> = policy
            .split(';')
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty() && !d.starts_with("connect-src"))
            .collect();
        d.sort();
        d
    }

    #[test]
    fn the_page_has_the_windows_policy_but_for_where_it_connects() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json");
        let window = conf["app"]["security"]["csp"]
            .as_str()
            .expect("the window's CSP");
        assert_eq!(directives(super::POLICY), directives(window));
        assert!(super::POLICY.contains("connect-src 'self'"));
    }

    #[test]
    fn every_file_the_page_loads_is_there_and_inflates() {
        use std::io::Read;
        let names: Vec<&str> = super::FILES.iter().map(|(n, _)| *n).collect();
        for want in [
            "index.html",
            "signin.html",
            "style.css",
            "js/main.js",
            "js/api.js",
            "vendor/lightweight-charts.mjs",
        ] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        assert!(!names.contains(&"bare.html") && !names.contains(&"js/bare.js"));
        for (name, gz) in super::FILES {
            let mut text = Vec::new();
            flate2::read::GzDecoder::new(*gz)
                .read_to_end(&mut text)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!text.is_empty(), "{name}");
        }
    }
}
