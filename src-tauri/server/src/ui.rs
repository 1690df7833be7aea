//! The dashboard's page (ui/, the window's page) served at `/` to a
//! browser: the same files, embedded at build time. `api.js` sees no
//! `window.__TAURI__` there and talks to `/api/v1` instead.

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use coinlytics_engine::error::ErrorKind;

use crate::error::ApiError;

#[derive(rust_embed::Embed)]
#[folder = "../../ui/"]
// The benchmark's empty page is the window's baseline, not the browser's.
#[exclude = "bare.*"]
#[exclude = "js/bare.js"]
struct Page;

/// The window's policy (tauri.conf.json) with the page's calls going to
/// this server (and its stream) rather than to Tauri's IPC; a test keeps
/// the two the same otherwise.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://coin-images.coingecko.com https://assets.coingecko.com; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A file of the page, by its path; `/` is index.html.
pub async fn file(method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return ApiError::new(ErrorKind::NotFound, "the page's files are only read")
            .into_response();
    }
    let path = match uri.path().trim_start_matches('/') {
        "" => "index.html",
        p => p,
    };
    let Some(file) = Page::get(path) else {
        return ApiError::new(
            ErrorKind::NotFound,
            "no such page; the dashboard is at /, the API under /api/v1",
        )
        .into_response();
    };
    let mime = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, mime),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(POLICY),
            ),
        ],
        file.data,
    )
        .into_response()
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
}
