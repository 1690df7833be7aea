//! `GET /api/v1/openapi.json`: the API described as OpenAPI 3.1 (utoipa),
//! generated from the handlers and the same types that cross the window's
//! IPC, so it cannot drift from what the server does.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{alerts, market, portfolio, session, settings, watchlist};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Coinlytics local API",
        description = "`coinlytics serve`: prices, the watchlist, alerts, the portfolio and settings of one Coinlytics data directory. Every route but the health check needs a token (`Authorization: Bearer cly_…`, made with `coinlytics api token create`) or a browser session's cookie. Every error is `{kind, message}`."
    ),
    paths(
        market::health, market::prices, market::search, market::currencies, market::coin,
        market::history, market::compare, market::convert, market::sources, market::source_compare,
        watchlist::list, watchlist::add, watchlist::remove, watchlist::reorder,
        alerts::list, alerts::one, alerts::create, alerts::replace, alerts::remove,
        alerts::set_enabled, alerts::history, alerts::acknowledge,
        portfolio::page, portfolio::list, portfolio::add, portfolio::edit, portfolio::remove,
        portfolio::what_if, portfolio::value, portfolio::import, portfolio::export,
        settings::list, settings::change, session::sign_in, session::sign_out,
        crate::stream::stream,
    ),
    modifiers(&Credentials),
    security(("bearer" = []), ("session" = [])),
)]
struct ApiDoc;

/// The two ways to present a token.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::session::COOKIE))),
        );
    }
}

/// The document, made once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    })
}

pub async fn serve() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_is_openapi_3_1_and_names_every_route() {
        let doc: serde_json::Value = serde_json::from_str(super::document()).expect("JSON");
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "{}",
            doc["openapi"]
        );
        let paths = doc["paths"].as_object().expect("paths");
        for p in [
            "/api/v1/prices",
            "/api/v1/portfolio/import",
            "/api/v1/stream",
            "/api/v1/session",
        ] {
            assert!(paths.contains_key(p), "{p} missing");
        }
        let quote = &doc["components"]["schemas"]["Quote"];
        // Money is an exact decimal, as a string.
        assert!(
            quote.to_string().contains(r#""price":{"type":"string"}"#),
            "{quote}"
        );
        let body = &doc["paths"]["/api/v1/prices"]["get"]["responses"]["4XX"];
        assert!(body.to_string().contains("ErrorBody"), "{body}");
    }
}
