//! The HTTP side every provider shares: timeouts, gzip, a cap on the size
//! of an answer, a User-Agent, a
//! client-side rate limit (governor), and retries with jittered exponential
//! back-off (backon) that honour a 429's `Retry-After`. Secret headers (the
//! API key) go only over https or to this machine, and never follow a
//! redirect to another origin.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use serde::de::DeserializeOwned;

use super::{Failure, ProviderError};
use crate::model::is_loopback;

/// How a provider's HTTP client behaves.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub timeout: Duration,
    pub requests_per_minute: u32,
    /// Retries after the first attempt, for transient failures only.
    pub max_retries: usize,
    /// First back-off delay; later ones double, with jitter.
    pub min_backoff: Duration,
    /// No single back-off (nor an honoured `Retry-After`) is longer than this.
    pub max_backoff: Duration,
    /// The largest answer accepted, counted decoded (after gzip), so a
    /// server gone wrong, or a few KiB of gzip that inflate to gigabytes,
    /// cannot fill the memory.
    pub max_body_bytes: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(10),
            requests_per_minute: 30,
            max_retries: 3,
            min_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            max_body_bytes: 32 << 20,
        }
    }
}

pub(super) struct HttpClient {
    provider: &'static str,
    base_url: String,
    /// Built on first use: loading the system's TLS roots takes about 35 ms,
    /// which the window's start-up and offline CLI commands need not pay.
    client: OnceLock<reqwest::Client>,
    headers: HeaderMap,
    limiter: Arc<DefaultDirectRateLimiter>,
    /// When each request of the last minute went out: the budget shown.
    sent: Mutex<VecDeque<Instant>>,
    opts: HttpOptions,
}

impl HttpClient {
    /// `headers` are sent with every request (e.g. an API key); they are
    /// never logged. Those marked sensitive ([`HttpClient::header`]) make
    /// every request fail unless `base_url` is https or on this machine.
    pub(super) fn new(
        provider: &'static str,
        base_url: &str,
        headers: HeaderMap,
        opts: HttpOptions,
    ) -> Result<HttpClient, ProviderError> {
        let per_minute = NonZeroU32::new(opts.requests_per_minute).unwrap_or(NonZeroU32::MIN);
        Ok(HttpClient {
            provider,
            base_url: base_url.trim_end_matches('/').to_string(),
            client: OnceLock::new(),
            headers,
            limiter: Arc::new(RateLimiter::direct(Quota::per_minute(per_minute))),
            sent: Mutex::new(VecDeque::new()),
            opts,
        })
    }

    fn client(&self, endpoint: &str) -> Result<&reqwest::Client, ProviderError> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        if self.headers.values().any(HeaderValue::is_sensitive) && !keeps_secrets(&self.base_url) {
            return Err(self.error(endpoint, Failure::InsecureUrl(self.base_url.clone())));
        }
        install_tls_provider();
        let built = reqwest::Client::builder()
            .user_agent(concat!("coinlytics/", env!("CARGO_PKG_VERSION")))
            .default_headers(self.headers.clone())
            .gzip(true)
            .redirect(same_origin_only())
            .timeout(self.opts.timeout)
            .connect_timeout(self.opts.timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| self.error(endpoint, Failure::Unreachable(e.to_string())))?;
        Ok(self.client.get_or_init(|| built))
    }

    pub(super) fn header(name: &'static str, value: &str) -> Option<(HeaderName, HeaderValue)> {
        let mut v = HeaderValue::from_str(value).ok()?;
        v.set_sensitive(true);
        Some((HeaderName::from_static(name), v))
    }

    /// GETs `endpoint` and decodes its JSON body as `T`, retrying transient
    /// failures. The error names the endpoint and the last failure.
    pub(super) async fn get_json<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
    ) -> Result<T, ProviderError> {
        let body = self.get_with_retries(endpoint, query).await?;
        serde_json::from_slice(&body)
            .map_err(|e| self.error(endpoint, Failure::Malformed(e.to_string())))
    }

    async fn get_with_retries(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<u8>, ProviderError> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.opts.min_backoff)
            .with_max_delay(self.opts.max_backoff)
            .with_max_times(self.opts.max_retries)
            .with_jitter();
        let max_wait = self.opts.max_backoff;
        (|| self.get_once(endpoint, query))
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(ProviderError::is_transient)
            // A server's Retry-After replaces our own delay; one longer than
            // we are willing to wait ends the retries now, so the caller can
            // show stored prices instead of hanging.
            .adjust(move |e, delay| match &e.failure {
                Failure::RateLimited {
                    retry_after: Some(wait),
                } if delay.is_some() => (*wait <= max_wait).then_some(*wait),
                _ => delay,
            })
            .notify(|e, delay| {
                tracing::info!(error = %e, retry_in_ms = delay.as_millis() as u64, "retrying");
            })
            .await
    }

    async fn get_once(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<u8>, ProviderError> {
        self.limiter.until_ready().await;
        self.count_sent();
        let url = format!("{}{}", self.base_url, endpoint);
        let started = Instant::now();
        let resp = self
            .client(endpoint)?
            .get(&url)
            .query(query)
            .send()
            .await
            .map_err(|e| self.error(endpoint, self.transport_failure(&e)))?;
        let status = resp.status();
        tracing::Span::current().record("http_status", status.as_u16());
        tracing::debug!(
            endpoint,
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "http response"
        );
        if status.is_redirection()
            && let Some(to) = redirect_elsewhere(&resp)
        {
            return Err(self.error(endpoint, Failure::Redirected(to)));
        }
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let retry_after = retry_after(resp.headers());
            return Err(self.error(endpoint, Failure::RateLimited { retry_after }));
        }
        let body = self.read_body(endpoint, resp).await?;
        if !status.is_success() {
            let message = error_message(&body, status);
            return Err(self.error(
                endpoint,
                Failure::Status {
                    status: status.as_u16(),
                    message,
                },
            ));
        }
        Ok(body)
    }

    /// The decoded body, refused as soon as it passes the cap rather than
    /// once it is all in memory. Not transient: the same server would send
    /// the same answer again.
    async fn read_body(
        &self,
        endpoint: &str,
        mut resp: reqwest::Response,
    ) -> Result<Vec<u8>, ProviderError> {
        let cap = self.opts.max_body_bytes;
        let announced = resp.content_length().and_then(|n| usize::try_from(n).ok());
        let mut body = Vec::with_capacity(announced.unwrap_or(0).min(cap));
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.error(endpoint, self.transport_failure(&e)))?
        {
            if chunk.len() > cap - body.len() {
                return Err(self.error(endpoint, Failure::TooLarge(cap)));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn transport_failure(&self, e: &reqwest::Error) -> Failure {
        if e.is_timeout() {
            Failure::Timeout(self.opts.timeout.as_secs().max(1))
        } else if e.is_decode() || e.is_body() {
            Failure::Malformed(format!("body could not be read: {}", root_cause(e)))
        } else {
            Failure::Unreachable(root_cause(e))
        }
    }

    fn error(&self, endpoint: &str, failure: Failure) -> ProviderError {
        ProviderError {
            provider: self.provider,
            endpoint: endpoint.to_string(),
            failure,
        }
    }

    pub(super) fn base_url(&self) -> &str {
        &self.base_url
    }

    fn count_sent(&self) {
        let now = Instant::now();
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        sent.push_back(now);
        while sent
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(60))
        {
            sent.pop_front();
        }
    }

    /// Requests sent in the last 60 s, and the most a minute may have.
    pub(super) fn budget(&self) -> (u32, u32) {
        let now = Instant::now();
        let sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        let used = sent
            .iter()
            .filter(|t| now.duration_since(**t) <= Duration::from_secs(60))
            .count();
        (used as u32, self.opts.requests_per_minute)
    }

    pub(super) fn provider(&self) -> &'static str {
        self.provider
    }
}

/// Whether a secret may travel to `url`: encrypted, or not leaving this
/// machine (the tests' and demos' fake servers speak plain http there).
fn keeps_secrets(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| {
        u.scheme() == "https"
            || u.host_str()
                .is_some_and(|h| is_loopback(h.trim_start_matches('[').trim_end_matches(']')))
    })
}

/// Redirects are followed within the origin a request went to only:
/// reqwest would carry our headers, the API key among them, to any host and
/// from https to http (it strips only Authorization and cookies). A stopped
/// redirect reaches [`HttpClient::get_once`], which says where it pointed.
fn same_origin_only() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let from = attempt.previous().last().map(reqwest::Url::origin);
        if from == Some(attempt.url().origin()) {
            reqwest::redirect::Policy::default().redirect(attempt)
        } else {
            attempt.stop()
        }
    })
}

/// The origin a redirect that was not followed points to; `None` for a 3xx
/// that sends nowhere else (e.g. 304), which is reported by its status.
fn redirect_elsewhere(resp: &reqwest::Response) -> Option<String> {
    let location = resp.headers().get(LOCATION)?.to_str().ok()?;
    let to = resp.url().join(location).ok()?.origin();
    (to != resp.url().origin()).then(|| to.ascii_serialization())
}

/// The innermost cause of a transport error, e.g. "Connection refused
/// (os error 111)"; reqwest's own message only says "error sending request".
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// `Retry-After` as delay-seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(secs as u64))
}

/// The human part of an error body: CoinGecko's `status.error_message` or
/// `error`, Binance's `msg`, Frankfurter's and Coinbase's `message`, else
/// the status's reason; never more than a line.
fn error_message(body: &[u8], status: reqwest::StatusCode) -> String {
    let from_json = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/status/error_message")
                // Frankfurter's {"message": "not found"}; Coinbase's
                // {"error": "NOT_FOUND", "message": "ProductID not found"}
                // names its code in `error` and says it in `message`.
                .or_else(|| v.get("message"))
                .or_else(|| v.get("error"))
                // Binance's {"code": -1121, "msg": "Invalid symbol."}
                .or_else(|| v.get("msg"))
                .and_then(|m| m.as_str().map(str::to_owned))
        });
    let msg = from_json.unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
    let mut line: String = msg
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        line.push_str(" (check the API key: `coinlytics api-key set`)");
    }
    line
}

/// reqwest's rustls, and the streams', take the process's crypto
/// provider: ring, the one lettre uses too. Called before any TLS client
/// is built; installing it twice is harmless.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_travel_encrypted_or_stay_on_this_machine() {
        for ok in [
            "https://api.coingecko.com/api/v3",
            "https://pro-api.coingecko.com:8443/api/v3",
            "http://127.0.0.1:8080/api/v3",
            "http://localhost/api/v3",
            "http://[::1]:9000/api/v3",
        ] {
            assert!(keeps_secrets(ok), "{ok}");
        }
        for bad in [
            "http://api.coingecko.com/api/v3",
            "http://10.0.0.1/api/v3",
            "http://localhost.example.com/api/v3",
            "not a url",
        ] {
            assert!(!keeps_secrets(bad), "{bad}");
        }
    }
}
