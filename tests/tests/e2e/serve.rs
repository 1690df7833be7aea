//! `coinlytics serve`, the local API, through a real HTTP client against
//! the real binary on 127.0.0.1, with tokens made by `coinlytics api token`
//! and the fake CoinGecko behind it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::util::world::MonitorProcess;
use crate::util::{User, files_containing};
use coinlytics_tests::{FakeCoinGecko, KeyringDaemon, PrivateBus};

/// A running `coinlytics serve` on a free loopback port.
pub(crate) struct Server {
    process: MonitorProcess,
    pub base: String,
    pub http: reqwest::Client,
    /// A Secret Service on that bus, when asked for (dropped before it).
    _keyring: Option<KeyringDaemon>,
    /// Its own session bus: the alert monitor it runs notifies there,
    /// never on the desktop of whoever runs the tests.
    _bus: PrivateBus,
}

impl Server {
    pub async fn start(user: &User) -> Server {
        Server::start_with(user, &[]).await
    }

    pub async fn start_with(user: &User, env: &[(String, String)]) -> Server {
        Server::start_on_bus(user, env, false).await
    }

    /// With an unlocked keyring (gnome-keyring) on its bus.
    async fn start_with_keyring(user: &User) -> Server {
        Server::start_on_bus(user, &[], true).await
    }

    async fn start_on_bus(user: &User, env: &[(String, String)], keyring: bool) -> Server {
        let bus = PrivateBus::start();
        let keyring = keyring.then(|| bus.start_keyring(&user.home()));
        let mut env = env.to_vec();
        env.extend(keyring.iter().flat_map(KeyringDaemon::env));
        env.push(("DBUS_SESSION_BUS_ADDRESS".into(), bus.address().to_string()));
        let process = MonitorProcess::start_args(user, &["serve", "--listen", "127.0.0.1:0"], &env);
        process.wait_for("serving the local API at http://").await;
        let output = process.output();
        let base = output
            .split("serving the local API at ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the URL it serves")
            .to_string();
        assert!(
            base.starts_with("http://127.0.0.1:") && base.ends_with("/api/v1"),
            "{base}"
        );
        Server {
            process,
            base,
            http: crate::util::http_client(),
            _keyring: keyring,
            _bus: bus,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `method path` with `token`.
    pub fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path)).bearer_auth(token)
    }

    fn get(&self, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let req = self.http.get(self.url(path));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    async fn send(req: reqwest::RequestBuilder) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let res = req.send().await.expect("the server answers");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("a body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        (status, headers, body)
    }
}

pub(crate) async fn token(user: &User, args: &[&str]) -> String {
    let mut all = vec!["api", "token", "create"];
    all.extend_from_slice(args);
    let made = user.run(&all).await.ok();
    let token = made.stdout.trim().to_string();
    assert!(
        token.starts_with("cly_") && !token.contains(char::is_whitespace),
        "{made:?}"
    );
    assert!(made.stderr.contains("shown only now"), "{made:?}");
    token
}

/// POSTs to `path` a request that declares a body of `len` bytes and
/// sends none; returns the server's whole answer as text.
async fn declare_body(
    server: &Server,
    path: &str,
    content_type: &str,
    token: &str,
    len: usize,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = server
        .base
        .trim_start_matches("http://")
        .trim_end_matches("/api/v1");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /api/v1{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.expect("send the head");
    let mut answer = String::new();
    tokio::time::timeout(crate::util::WAIT, tcp.read_to_string(&mut answer))
        .await
        .expect("an answer without the body")
        .expect("read");
    answer
}

/// The `name=value` of the session cookie a sign-in set.
fn session_cookie(signed: &reqwest::Response) -> String {
    let set = signed.headers()["set-cookie"].to_str().expect("ascii");
    set.split(';').next().expect("name=value").to_string()
}

#[track_caller]
fn refused(got: (StatusCode, reqwest::header::HeaderMap, Value), status: u16, kind: &str) -> Value {
    let (s, _, body) = got;
    assert_eq!(
        (s.as_u16(), body["kind"].as_str()),
        (status, Some(kind)),
        "{body}"
    );
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

#[tokio::test]
async fn serve_answers_health_openly_and_prices_only_with_a_token() {
    let fake = FakeCoinGecko::start().await;
    fake.set_price("bitcoin", 71_234.5);
    let user = User::new(&fake.base_url());
    let token = token(&user, &["laptop", "--expires", "30d"]).await;
    let server = Server::start(&user).await;

    let (status, _, health) = Server::send(server.get("/health", None)).await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert_eq!(health["monitor"], "running", "{health}");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    // What the API is, for any client to read: OpenAPI 3.1, no token.
    let (status, _, doc) = Server::send(server.get("/openapi.json", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    assert!(doc["paths"]["/api/v1/prices"]["get"].is_object());

    // No token: 401, saying how to make one, with the scheme to use.
    let (status, headers, body) = Server::send(server.get("/prices", None)).await;
    assert_eq!(headers["www-authenticate"], "Bearer");
    let no_token = refused((status, headers, body), 401, "unauthorized");
    assert!(
        no_token["message"]
            .as_str()
            .unwrap_or("")
            .contains("coinlytics api token create")
    );
    // A wrong token of the right shape, and something that is not one.
    let wrong = format!("cly_{}", "A".repeat(43));
    refused(
        Server::send(server.get("/prices", Some(&wrong))).await,
        401,
        "unauthorized",
    );
    refused(
        Server::send(server.get("/prices", Some("hunter2"))).await,
        401,
        "unauthorized",
    );

    let (status, _, prices) =
        Server::send(server.get("/prices?coins=btc,eth&currency=eur", Some(&token))).await;
    assert_eq!(status, StatusCode::OK, "{prices}");
    assert_eq!(prices["currency"], "eur");
    assert_eq!(prices["stale"], false);
    let ids: Vec<&str> = prices["quotes"]
        .as_array()
        .expect("quotes")
        .iter()
        .filter_map(|q| q["coin_id"].as_str())
        .collect();
    assert_eq!(ids, ["bitcoin", "ethereum"]);
    let (_, _, usd) = Server::send(server.get("/prices?coins=bitcoin", Some(&token))).await;
    assert_eq!(usd["quotes"][0]["price"], "71234.5", "{usd}");

    // Bad input is the one error body, 400; an unknown path is 404.
    for (path, status, kind) in [
        ("/prices?top=0", 400, "invalid_input"),
        ("/prices?top=5&coins=btc", 400, "invalid_input"),
        ("/prices?currency=zzz", 400, "invalid_input"),
        ("/prices?colour=red", 400, "invalid_input"),
        ("/nothing-here", 404, "not_found"),
    ] {
        refused(
            Server::send(server.get(path, Some(&token))).await,
            status,
            kind,
        );
    }

    // The token's last use is listed, never the token itself.
    let ls = user.run(&["api", "token", "ls"]).await.ok();
    assert!(
        ls.stdout.contains("laptop") && !ls.stdout.contains(&token),
        "{ls:?}"
    );
    let listed = user
        .run(&["api", "token", "ls", "--json"])
        .await
        .ok()
        .json();
    assert!(listed[0]["last_used_at"].is_number(), "{listed}");
    // Nor is it in what the server printed or logged.
    assert!(!server.process.output().contains(&token));
    let logs = std::fs::read_dir(user.data_dir().join("logs"))
        .map(|d| {
            d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect::<String>()
        })
        .unwrap_or_default();
    assert!(!logs.contains(&token), "a token reached the log");

    // A service manager's stop: requests end, the process exits 0.
    let (code, output) = server.process.terminate();
    assert_eq!(code, 0, "{output}");
    assert!(output.ends_with("stopped"), "{output}");
}

#[tokio::test]
async fn a_revoked_expired_or_read_only_token_and_a_foreign_host_are_refused() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let writer = token(&user, &["script"]).await;
    let reader = token(&user, &["phone", "--read-only"]).await;
    let old = token(&user, &["old"]).await;
    let server = Server::start(&user).await;
    let post =
        |token: &str, body: Value| server.call(Method::POST, "/watchlist", token).json(&body);

    // Writing: the read-write token may, the read-only one reads only.
    let (status, _, added) = Server::send(post(&writer, json!({"id": "eth"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["coin"]["id"], "ethereum");
    let (status, _, again) = Server::send(post(&writer, json!({"id": "ethereum"}))).await;
    assert_eq!((status, &again["added"]), (StatusCode::OK, &json!(false)));
    Server::send(post(&writer, json!({"id": "bitcoin"}))).await;
    let (status, _, list) = Server::send(server.get("/watchlist", Some(&reader))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    let body = refused(
        Server::send(post(&reader, json!({"id": "solana"}))).await,
        403,
        "forbidden",
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("'phone' is read-only"),
        "{body}"
    );

    let reorder = server
        .call(Method::PUT, "/watchlist/order", &writer)
        .json(&json!({"ids": ["bitcoin", "ethereum"]}));
    assert_eq!(Server::send(reorder).await.0, StatusCode::NO_CONTENT);
    let ls = user.run(&["watchlist", "ls", "--json"]).await.ok().json();
    assert_eq!(ls[0]["id"], "bitcoin", "{ls}");
    let remove = server.call(Method::DELETE, "/watchlist/eth", &writer);
    assert_eq!(Server::send(remove).await.0, StatusCode::OK);
    let remove = server.call(Method::DELETE, "/watchlist/eth", &writer);
    refused(Server::send(remove).await, 404, "not_found");

    // Bodies: malformed JSON is 400, one past the cap 413.
    let bad = server
        .call(Method::POST, "/watchlist", &writer)
        .header("content-type", "application/json")
        .body("{\"id\":");
    refused(Server::send(bad).await, 400, "invalid_input");
    let answer = declare_body(&server, "/watchlist", "application/json", &writer, 17 << 20).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"kind\":\"too_large\""), "{answer}");

    // Revoked from another process while the server runs: refused at once.
    user.run(&["api", "token", "revoke", "script"]).await.ok();
    refused(
        Server::send(server.get("/watchlist", Some(&writer))).await,
        401,
        "unauthorized",
    );
    // Expired: as a token made a month ago for a day would be.
    user.database()
        .execute(
            "UPDATE api_tokens SET expires_at = 1 WHERE name = 'old'",
            [],
        )
        .expect("age the token");
    let body = refused(
        Server::send(server.get("/watchlist", Some(&old))).await,
        401,
        "unauthorized",
    );
    assert!(
        body["message"].as_str().unwrap_or("").contains("expired"),
        "{body}"
    );

    // A page on another site that rebinds its name to 127.0.0.1 names
    // itself in Host: refused before any token is looked at.
    for host in ["evil.example", "evil.example:80", "localhost.evil.example"] {
        let req = server.get("/watchlist", Some(&reader)).header("host", host);
        let got = Server::send(req).await;
        assert_eq!(
            got.1["x-frame-options"], "DENY",
            "a refusal has the headers too"
        );
        refused(got, 403, "forbidden");
    }
    let req = server.get("/health", None).header("host", "localhost");
    assert_eq!(Server::send(req).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_certificate_that_cannot_be_read_is_said_before_anything_starts() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let missing = user.dir.path().join("missing.pem");
    let missing = missing.to_str().expect("utf-8");
    let run = user
        .run(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            missing,
            "--tls-key",
            missing,
        ])
        .await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("cannot read the certificate"),
        "{run:?}"
    );
    // Nothing had started to stop (the monitor once did, and logged that
    // it "ended unexpectedly" when it lived long enough to notice).
    assert!(!run.stderr.contains("monitor"), "{run:?}");
}

#[tokio::test]
async fn beyond_loopback_it_serves_only_tls_with_a_certificate_made_once() {
    use std::os::unix::fs::PermissionsExt;
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let token = token(&user, &["phone"]).await;
    let process = MonitorProcess::start_args(&user, &["serve", "--listen", "0.0.0.0:0"], &[]);
    process.wait_for("serving the local API at https://").await;
    let output = process.output();
    assert!(
        output.contains("made a self-signed TLS certificate"),
        "{output}"
    );
    let fingerprint = output
        .split("its SHA-256 fingerprint: ")
        .nth(1)
        .and_then(|r| r.lines().next())
        .expect("the fingerprint")
        .to_string();
    assert_eq!(fingerprint.len(), 32 * 3 - 1, "{fingerprint}");
    let port = output
        .split("https://0.0.0.0:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("the port")
        .to_string();
    let tls_dir = user.data_dir().join("tls");
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&tls_dir), 0o700);
    assert_eq!(mode(&tls_dir.join("key.pem")), 0o600);
    let pem = std::fs::read(tls_dir.join("cert.pem")).expect("the certificate");

    // A client that trusts that certificate gets in, over TLS only.
    let client = {
        let _ = crate::util::http_client();
        reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&pem).expect("PEM")])
            .build()
            .expect("a client")
    };
    let base = format!("https://localhost:{port}/api/v1");
    let res = client
        .get(format!("{base}/watchlist"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("over TLS");
    assert_eq!(res.status(), StatusCode::OK);
    let signed = client
        .post(format!("{base}/session"))
        .json(&json!({"token": token}))
        .send()
        .await
        .expect("sign in");
    let cookie = signed.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(cookie.contains("; Secure"), "{cookie}");
    let plain = crate::util::http_client()
        .get(format!("http://127.0.0.1:{port}/api/v1/health"))
        .send()
        .await;
    assert!(
        plain.is_err() || plain.is_ok_and(|r| !r.status().is_success()),
        "served in the clear"
    );
    drop(process);

    // The next start keeps the same certificate: a phone that trusted it still does.
    let again = MonitorProcess::start_args(&user, &["serve", "--listen", "0.0.0.0:0"], &[]);
    again.wait_for("serving the local API at https://").await;
    let output = again.output();
    assert!(!output.contains("made a self-signed"), "{output}");
    assert!(output.contains(&fingerprint), "{output}");
}

#[tokio::test]
async fn every_read_and_each_alert_and_setting_change_goes_through_the_api() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    user.run(&["watchlist", "add", "bitcoin", "ethereum"])
        .await
        .ok();
    let token = token(&user, &["all"]).await;
    let reader = token_read_only(&user).await;
    let server = Server::start(&user).await;
    let get = |path: &str| Server::send(server.get(path, Some(&token)));
    let ok = |got: (StatusCode, reqwest::header::HeaderMap, Value)| {
        assert_eq!(got.0, StatusCode::OK, "{}", got.2);
        got.2
    };

    let coin = ok(get("/coins/btc").await);
    assert_eq!(coin["coin"]["id"], "bitcoin", "{coin}");
    let history = ok(get("/coins/bitcoin/history?range=7d").await);
    assert!(history.is_object(), "{history}");
    refused(
        get("/coins/bitcoin/history?range=3w").await,
        400,
        "invalid_input",
    );
    let compared = ok(get("/compare?coins=btc,eth&range=30d").await);
    assert!(compared.is_object(), "{compared}");
    let converted = ok(get("/convert?amount=2&from=btc&to=usd").await);
    assert!(converted["result"].is_string(), "{converted}");
    refused(
        get("/convert?amount=lots&from=btc&to=usd").await,
        400,
        "invalid_input",
    );
    let found = ok(get("/search?q=ether").await);
    assert!(
        found
            .as_array()
            .is_some_and(|a| a.iter().any(|c| c["id"] == "ethereum")),
        "{found}"
    );
    let currencies = ok(get("/currencies").await);
    assert!(
        currencies
            .as_array()
            .is_some_and(|a| a.iter().any(|c| c == "eur")),
        "{currencies}"
    );
    let sources = ok(get("/sources").await);
    assert!(sources.is_object(), "{sources}");

    // Settings: read with any token; a change is checked, saved whole, and
    // refused to a read-only token.
    let settings = ok(get("/settings").await);
    assert!(
        settings
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s["name"] == "refresh_secs"))
    );
    let patch = |t: &str, body: Value| server.call(Method::PATCH, "/settings", t).json(&body);
    refused(
        Server::send(patch(&reader, json!({"currency": "eur"}))).await,
        403,
        "forbidden",
    );
    refused(
        Server::send(patch(
            &token,
            json!({"currency": "eur", "refresh_secs": "-5"}),
        ))
        .await,
        400,
        "invalid_input",
    );
    refused(
        Server::send(patch(&token, json!({"no_such_setting": "1"}))).await,
        400,
        "invalid_input",
    );
    ok(Server::send(patch(&token, json!({"currency": "eur"}))).await);
    let config = std::fs::read_to_string(user.config_file()).expect("the config file");
    assert!(config.contains("currency = \"eur\""), "{config}");

    // Alerts: create, read, replace, disable, delete; the history.
    let rule = |level: &str| {
        json!({
            "coin": "btc", "currency": "usd", "condition": "above", "level": level,
            "channels": {"desktop": true, "email": false}, "note": "from a script", "once": false,
        })
    };
    let post = server
        .call(Method::POST, "/alerts", &token)
        .json(&rule("90000"));
    let (status, _, made) = Server::send(post).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().expect("an id");
    let bad = server
        .call(Method::POST, "/alerts", &token)
        .json(&rule("-3"));
    refused(Server::send(bad).await, 400, "invalid_input");
    let put = server
        .call(Method::PUT, &format!("/alerts/{id}"), &token)
        .json(&rule("95000"));
    let replaced = ok(Server::send(put).await);
    assert_eq!(replaced["id"], id);
    let off = server
        .call(Method::PUT, &format!("/alerts/{id}/enabled"), &token)
        .json(&json!({"enabled": false}));
    assert_eq!(ok(Server::send(off).await)["enabled"], false);
    let listed = ok(get("/alerts").await);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    let cli = user.run(&["alerts", "ls", "--json"]).await.ok().json();
    assert_eq!(cli[0]["id"], id, "the CLI sees the same rule: {cli}");
    assert!(ok(get("/alerts/history?limit=5").await).is_array());
    let ack = server.call(Method::POST, "/alerts/history/acknowledge", &token);
    assert!(ok(Server::send(ack).await)["acknowledged"].is_number());
    let del = server.call(Method::DELETE, &format!("/alerts/{id}"), &token);
    assert_eq!(Server::send(del).await.0, StatusCode::NO_CONTENT);
    refused(get(&format!("/alerts/{id}")).await, 404, "not_found");
    refused(get("/alerts/x").await, 400, "invalid_input");
}

async fn token_read_only(user: &User) -> String {
    token(user, &["reader", "--read-only"]).await
}

#[tokio::test]
async fn a_flood_of_requests_or_of_bad_tokens_gets_429_with_retry_after() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let token = token(&user, &["script"]).await;
    let env = [(
        "COINLYTICS_API_REQUESTS_PER_SECOND".to_string(),
        "2".to_string(),
    )];
    let server = Server::start_with(&user, &env).await;

    // A token's burst is twice its rate; past it, 429 and when to retry.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let (status, headers, body) = Server::send(server.get("/watchlist", Some(&token))).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["kind"], "too_many_requests", "{body}");
            let wait: u64 = headers["retry-after"]
                .to_str()
                .ok()
                .and_then(|s| s.parse().ok())
                .expect("Retry-After");
            assert!((1..=2).contains(&wait), "{wait}");
        }
        statuses.push(status.as_u16());
    }
    assert_eq!(&statuses[..4], [200; 4], "{statuses:?}");
    assert!(statuses[4..].contains(&429), "{statuses:?}");
    // The health check needs no token and is not limited by one.
    assert_eq!(
        Server::send(server.get("/health", None)).await.0,
        StatusCode::OK
    );

    // Guessing: after ten bad tokens an address waits, even with a good one.
    for i in 0..10 {
        let guess = format!("cly_{:0>43}", i);
        refused(
            Server::send(server.get("/watchlist", Some(&guess))).await,
            401,
            "unauthorized",
        );
    }
    let guess = format!("cly_{}", "z".repeat(43));
    let (status, headers, body) = Server::send(server.get("/watchlist", Some(&guess))).await;
    assert_eq!(
        (status.as_u16(), body["kind"].as_str()),
        (429, Some("too_many_requests")),
        "{body}"
    );
    assert!(headers.contains_key("retry-after"));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, _, body) = Server::send(server.get("/watchlist", Some(&token))).await;
    assert_eq!(status.as_u16(), 429, "still waiting: {body}");
}

/// No other site's page may call the API unless the `api_cors_origins`
/// setting lists its origin; a listed one may, with a token.
#[tokio::test]
async fn only_an_origin_the_setting_lists_gets_cors() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let token = token(&user, &["dash"]).await;
    user.run(&[
        "config",
        "set",
        "api_cors_origins",
        "https://dash.example:8443",
    ])
    .await
    .ok();
    let server = Server::start(&user).await;
    let preflight = |origin: &str| {
        server
            .http
            .request(Method::OPTIONS, server.url("/prices"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
    };
    let allowed = |res: reqwest::Response| {
        res.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap_or_default().to_string())
    };
    let listed = preflight("https://dash.example:8443")
        .send()
        .await
        .expect("answer");
    assert!(listed.status().is_success(), "{listed:?}");
    assert!(
        listed.headers()["access-control-allow-headers"]
            .to_str()
            .is_ok_and(|h| h.contains("authorization")),
        "{listed:?}"
    );
    assert_eq!(
        allowed(listed).as_deref(),
        Some("https://dash.example:8443")
    );
    let other = preflight("https://evil.example")
        .send()
        .await
        .expect("answer");
    assert_eq!(allowed(other), None);
    let read = server
        .call(Method::GET, "/watchlist", &token)
        .header("origin", "https://dash.example:8443")
        .send()
        .await
        .expect("answer");
    assert_eq!(read.status(), StatusCode::OK);
    // Never with credentials: the session cookie stays this server's.
    assert!(
        !read
            .headers()
            .contains_key("access-control-allow-credentials")
    );
    assert_eq!(allowed(read).as_deref(), Some("https://dash.example:8443"));
}

/// The SMTP password goes through the API into the keyring of the machine
/// that serves, and never comes back, nor into a log or the data files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smtp_password_goes_to_the_keyring_and_never_comes_back() {
    const PASSWORD: &str = "smtp-s3cret-through-the-api";
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let token = token(&user, &["phone"]).await;
    let reader = token_read_only(&user).await;
    let server = Server::start_with_keyring(&user).await;
    let set = |t: &str| {
        server
            .call(Method::PUT, "/email/password", t)
            .json(&json!({ "password": PASSWORD }))
    };
    refused(Server::send(set(&reader)).await, 403, "forbidden");
    assert_eq!(Server::send(set(&token)).await.0, StatusCode::NO_CONTENT);
    let (_, _, status) = Server::send(server.get("/email", Some(&token))).await;
    assert_eq!(status["password_stored"], true, "{status}");
    assert!(!status.to_string().contains(PASSWORD));
    let clear = server.call(Method::DELETE, "/email/password", &token);
    assert_eq!(Server::send(clear).await.2, json!(true));
    let (_, _, status) = Server::send(server.get("/email", Some(&token))).await;
    assert_eq!(status["password_stored"], false, "{status}");
    assert!(!server.process.output().contains(PASSWORD));
    let leaks: Vec<String> = files_containing(user.dir.path(), PASSWORD.as_bytes())
        .into_iter()
        // The keyring's own files hold it (it serves it back): not ours.
        .filter(|f| !f.contains("/keyrings/"))
        .collect();
    assert!(leaks.is_empty(), "the password was written to {leaks:?}");
}

/// Alert channels through the API, as the served page's Settings use
/// them: a Telegram channel added with its bot token (into serve's own
/// keyring, never answered back), a test message to the fake Bot API, a
/// bad field refused, a read-only token refused, the channel removed.
#[tokio::test]
async fn alert_channels_are_added_tested_and_removed_through_the_api() {
    const BOT: &str = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0";
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let token = token(&user, &["phone"]).await;
    let reader = token_read_only(&user).await;
    let server = Server::start_with_keyring(&user).await;
    let tg = coinlytics_tests::FakeTelegram::start(BOT).await;
    tg.add_chat(4242, "Ada");
    let form = |chat: &str| {
        json!({"kind": "telegram", "chat_id": chat, "api_url": tg.url(), "secret": BOT,
               "quiet": "22:00-07:00", "daily_cap": "20"})
    };
    let put = |t: &str, body: Value| server.call(Method::PUT, "/channels/tg", t).json(&body);
    refused(
        Server::send(put(&reader, form("4242"))).await,
        403,
        "forbidden",
    );
    refused(
        Server::send(put(&token, form("not a chat"))).await,
        400,
        "invalid_input",
    );
    let (status, _, added) = Server::send(put(&token, form("4242"))).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(added["name"], "tg");
    assert_eq!(added["policy"]["daily_cap"], 20, "{added}");
    let (_, _, listed) = Server::send(server.get("/channels", Some(&token))).await;
    assert_eq!(listed[2]["config"]["chat_id"], "4242", "{listed}");
    assert!(!listed.to_string().contains(BOT), "{listed}");
    let test = server.call(Method::POST, "/channels/tg/test", &token);
    assert_eq!(Server::send(test).await.0, StatusCode::OK);
    assert_eq!(tg.messages()[0]["chat_id"], 4242);
    let remove = server.call(Method::DELETE, "/channels/tg", &token);
    assert_eq!(Server::send(remove).await.0, StatusCode::OK);
    let (_, _, listed) = Server::send(server.get("/channels", Some(&token))).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    assert!(!server.process.output().contains(BOT));
    let leaks: Vec<String> = files_containing(user.dir.path(), BOT.as_bytes())
        .into_iter()
        .filter(|f| !f.contains("/keyrings/"))
        .collect();
    assert!(leaks.is_empty(), "the token was written to {leaks:?}");
}

/// The page is served gzipped to a client that takes it (every browser)
/// and inflated for one that does not, with its type and the policy;
/// the benchmark's bare page is not served.
#[tokio::test]
async fn the_page_is_served_gzipped_or_plain_as_the_client_takes_it() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let server = Server::start(&user).await;
    let root = server.base.trim_end_matches("/api/v1").to_string();
    // No automatic decompression: what the server sends, as it sends it.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("a client");
    let plain = raw.get(format!("{root}/")).send().await.expect("GET /");
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(plain.headers()["content-type"], "text/html; charset=utf-8");
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.headers().contains_key("content-security-policy"));
    let html = plain.text().await.expect("text");
    assert!(
        html.contains("<html") && html.contains("js/main.js"),
        "{html}"
    );
    let gz = raw
        .get(format!("{root}/vendor/lightweight-charts.mjs"))
        .header("accept-encoding", "br, gzip;q=0.8")
        .send()
        .await
        .expect("GET the chart library");
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(
        gz.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let bytes = gz.bytes().await.expect("bytes");
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "a gzip stream");
    let bare = raw
        .get(format!("{root}/bare.html"))
        .send()
        .await
        .expect("GET");
    assert_eq!(bare.status(), StatusCode::NOT_FOUND);
}

/// A page whose session lapsed (the server restarted, or 12 h passed)
/// asks for many things at once without one: no guess at a token, so its
/// address may still sign in.
#[tokio::test]
async fn requests_with_a_lapsed_session_do_not_lock_the_browser_out_of_signing_in() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let token = token(&user, &["browser"]).await;
    let server = Server::start(&user).await;
    for _ in 0..15 {
        let stale = server
            .get("/dashboard", None)
            .header("cookie", format!("{}=lapsed", "coinlytics_session"));
        refused(Server::send(stale).await, 401, "unauthorized");
    }
    let sign_in = server
        .http
        .post(server.url("/session"))
        .json(&json!({"token": token}));
    assert_eq!(Server::send(sign_in).await.0, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_browser_signs_in_once_and_its_cookie_works_only_from_its_own_pages() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let token = token(&user, &["browser"]).await;
    let server = Server::start(&user).await;
    let origin = server.base.trim_end_matches("/api/v1").to_string();
    let sign_in = |body: Value| server.http.post(server.url("/session")).json(&body);

    refused(
        Server::send(sign_in(json!({"token": "cly_nope"}))).await,
        401,
        "unauthorized",
    );
    let foreign = sign_in(json!({"token": token})).header("origin", "http://evil.example");
    refused(Server::send(foreign).await, 403, "forbidden");
    let res = sign_in(json!({"token": token}))
        .header("origin", &origin)
        .send()
        .await
        .expect("sign in");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let set = res.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"] {
        assert!(set.contains(attribute), "{set}");
    }
    assert!(!set.contains(&token), "the cookie is not the token");
    let cookie = set.split(';').next().expect("name=value").to_string();
    let with_cookie = |req: reqwest::RequestBuilder| req.header("cookie", &cookie);

    // Reads need only the cookie.
    assert_eq!(
        Server::send(with_cookie(server.get("/watchlist", None)))
            .await
            .0,
        StatusCode::OK
    );
    // A change needs our own page's Origin (or Sec-Fetch-Site) besides.
    let add = || {
        with_cookie(
            server
                .http
                .post(server.url("/watchlist"))
                .json(&json!({"id": "btc"})),
        )
    };
    refused(Server::send(add()).await, 403, "forbidden");
    refused(
        Server::send(add().header("origin", "http://evil.example")).await,
        403,
        "forbidden",
    );
    refused(
        Server::send(add().header("sec-fetch-site", "cross-site")).await,
        403,
        "forbidden",
    );
    assert_eq!(
        Server::send(add().header("origin", &origin)).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        Server::send(add().header("sec-fetch-site", "same-origin"))
            .await
            .0,
        StatusCode::OK
    );

    // Security headers on every answer.
    let (_, headers, _) = Server::send(with_cookie(server.get("/watchlist", None))).await;
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.contains_key("content-security-policy"));

    // Signing out ends the session; so does revoking its token.
    let out = with_cookie(server.http.delete(server.url("/session"))).header("origin", &origin);
    let (status, headers, _) = Server::send(out).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        headers["set-cookie"]
            .to_str()
            .unwrap_or("")
            .contains("Max-Age=0")
    );
    refused(
        Server::send(with_cookie(server.get("/watchlist", None))).await,
        401,
        "unauthorized",
    );
    let again = sign_in(json!({"token": token}))
        .send()
        .await
        .expect("sign in");
    let cookie = session_cookie(&again);
    let read = || server.get("/watchlist", None).header("cookie", &cookie);
    assert_eq!(Server::send(read()).await.0, StatusCode::OK);
    user.run(&["api", "token", "revoke", "browser"]).await.ok();
    refused(Server::send(read()).await, 401, "unauthorized");
}

mod stream {
    use std::time::Duration;

    use futures_util::{SinkExt, StreamExt};
    use serde_json::{Value, json};
    use tokio::net::TcpSocket;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    use super::{Server, token};
    use crate::util::{User, WAIT, wait_until};
    use coinlytics_tests::FakeCoinGecko;

    type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

    /// A WebSocket client on a socket whose receive buffer is `rcvbuf`
    /// bytes (none: the system's), so a test can make one that cannot keep up.
    async fn connect(server: &Server, rcvbuf: Option<u32>) -> Ws {
        connect_with(server, rcvbuf, &[]).await
    }

    async fn connect_with(server: &Server, rcvbuf: Option<u32>, headers: &[(&str, &str)]) -> Ws {
        let addr: std::net::SocketAddr = server
            .base
            .trim_start_matches("http://")
            .trim_end_matches("/api/v1")
            .parse()
            .expect("the server's address");
        let socket = TcpSocket::new_v4().expect("a socket");
        if let Some(size) = rcvbuf {
            socket.set_recv_buffer_size(size).expect("a small buffer");
        }
        let tcp = socket.connect(addr).await.expect("connect");
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = format!("ws://{addr}/api/v1/stream")
            .into_client_request()
            .expect("a request");
        for (name, value) in headers {
            let name: reqwest::header::HeaderName = name.parse().expect("a header name");
            req.headers_mut()
                .insert(name, value.parse().expect("a header value"));
        }
        let (ws, _) = tokio_tungstenite::client_async(req, tcp)
            .await
            .expect("the upgrade");
        ws
    }

    async fn send(ws: &mut Ws, v: Value) {
        ws.send(Message::text(v.to_string())).await.expect("send");
    }

    /// The next message of `kind`, within the tests' wait.
    async fn next_of(ws: &mut Ws, kind: &str) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let msg = tokio::time::timeout_at(deadline, ws.next())
                .await
                .unwrap_or_else(|_| panic!("no '{kind}' message in time"))
                .expect("the stream is open")
                .expect("a message");
            if let Message::Text(text) = msg {
                let v: Value = serde_json::from_str(&text).expect("JSON");
                if v["kind"] == kind {
                    return v["payload"].clone();
                }
            }
        }
    }

    /// How the server closed `ws`: its code and reason.
    async fn closed(ws: &mut Ws) -> (CloseCode, String) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, ws.next()).await {
                Err(_) => panic!("not closed in time"),
                Ok(Some(Ok(Message::Close(Some(frame))))) => {
                    return (frame.code, frame.reason.to_string());
                }
                Ok(Some(Ok(_))) => continue,
                Ok(other) => panic!("closed without a reason: {other:?}"),
            }
        }
    }

    /// What the page in a browser calls that a script might not: each
    /// view's opening answer, refresh and backfill (their outcome on the
    /// stream), a coin's source, the import's column guess and profiles.
    #[tokio::test]
    async fn the_pages_views_and_background_actions_answer_as_the_windows_commands_do() {
        let fake = FakeCoinGecko::start().await;
        fake.set_price("bitcoin", 70_000.0);
        let user = User::new(&fake.base_url());
        user.run(&["watchlist", "add", "bitcoin"]).await.ok();
        let token = token(&user, &["page"]).await;
        let server = Server::start(&user).await;
        let ok = |(status, _, body): (reqwest::StatusCode, _, Value)| {
            assert!(status.is_success(), "{status}: {body}");
            body
        };
        let call = |method: reqwest::Method, path: &str| server.call(method, path, &token);
        use reqwest::Method;

        let dashboard = ok(Server::send(call(Method::GET, "/dashboard")).await);
        assert_eq!(dashboard["watchlist"][0]["id"], "bitcoin", "{dashboard}");
        assert_eq!(
            (
                dashboard["currency"].as_str(),
                dashboard["paused"].as_bool()
            ),
            (Some("usd"), Some(false))
        );
        let markets = ok(Server::send(call(Method::GET, "/markets")).await);
        assert!(
            markets["quotes"].as_array().is_some_and(|q| q.len() > 1),
            "{markets}"
        );
        let page = ok(Server::send(call(Method::GET, "/alerts/page")).await);
        assert_eq!(page["monitor"]["state"], "active", "{page}");
        assert!(
            page["conditions"].as_array().is_some_and(|c| !c.is_empty()),
            "{page}"
        );

        let mut ws = connect_with(
            &server,
            None,
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
        send(
            &mut ws,
            json!({"type": "subscribe", "topics": ["prices", "backfill"]}),
        )
        .await;
        // Subscribed once the server has read the message: a moment.
        tokio::time::sleep(Duration::from_millis(200)).await;
        fake.set_price("bitcoin", 71_000.0);
        let (status, _, _) = Server::send(call(Method::POST, "/refresh")).await;
        assert_eq!(status, reqwest::StatusCode::ACCEPTED);
        let market = next_of(&mut ws, "market").await;
        assert!(market.to_string().contains("71000"), "{market}");
        let (status, _, _) =
            Server::send(call(Method::POST, "/coins/bitcoin/backfill?range=7d")).await;
        assert_eq!(status, reqwest::StatusCode::ACCEPTED);
        let done = loop {
            let ev = next_of(&mut ws, "backfill").await;
            if ev["type"] != "progress" {
                break ev;
            }
        };
        assert_eq!(
            (done["type"].as_str(), done["coin_id"].as_str()),
            (Some("done"), Some("bitcoin")),
            "{done}"
        );
        let bad =
            ok_status(Server::send(call(Method::POST, "/coins/bitcoin/backfill?range=2w")).await);
        assert_eq!(bad, (400, "invalid_input".to_string()));

        let prefer =
            call(Method::PUT, "/sources/bitcoin/preference").json(&json!({"source": "aggregate"}));
        assert_eq!(
            Server::send(prefer).await.0,
            reqwest::StatusCode::NO_CONTENT
        );
        let prefer =
            call(Method::PUT, "/sources/bitcoin/preference").json(&json!({"source": "nowhere"}));
        assert_eq!(ok_status(Server::send(prefer).await).0, 400);
        // E-mail: the form saved whole (a bad field refuses it all), and a
        // test message to a real SMTP server on loopback.
        let smtp = coinlytics_tests::SmtpSink::start();
        let form = |port: String| {
            json!({"smtp_host": "127.0.0.1", "smtp_port": port, "security": "none",
                   "username": "", "from": "coinlytics@example.com", "to": "me@example.com"})
        };
        let bad = call(Method::PUT, "/email").json(&form("99999".into()));
        assert_eq!(
            ok_status(Server::send(bad).await),
            (400, "invalid_input".to_string())
        );
        let saved = ok(Server::send(
            call(Method::PUT, "/email").json(&form(smtp.port().to_string())),
        )
        .await);
        assert_eq!(saved["smtp_port"], smtp.port(), "{saved}");
        let email = ok(Server::send(call(Method::GET, "/email")).await);
        assert_eq!(email["missing"], json!([]), "{email}");
        let sent = ok(Server::send(call(Method::POST, "/email/test")).await);
        assert_eq!(sent, json!(["me@example.com"]));
        let mail = smtp.wait_for(1, WAIT).await;
        assert_eq!(mail[0].to, "me@example.com", "{:?}", mail[0]);

        // A file of no known layout: its columns guessed, the mapping
        // saved as a profile, and the import through it.
        let file = std::fs::read(format!(
            "{}/fixtures/portfolio/wallet-app.csv",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("the fixture");
        let guess = ok(Server::send(
            call(Method::POST, "/portfolio/import/guess").body(file.clone()),
        )
        .await);
        assert_eq!(
            (guess["format"].clone(), guess["mapping"]["coin"].clone()),
            (Value::Null, json!("Asset")),
            "{guess}"
        );
        let saved = ok(Server::send(
            call(Method::PUT, "/portfolio/profiles/Wallet%20app").json(&guess["mapping"]),
        )
        .await);
        assert_eq!(saved["name"], "Wallet app", "{saved}");
        let profiles = ok(Server::send(call(Method::GET, "/portfolio/profiles")).await);
        assert_eq!(profiles[0]["name"], "Wallet app", "{profiles}");
        let mapping = guess["mapping"].to_string();
        let import = call(Method::POST, "/portfolio/import")
            .query(&[
                ("portfolio", "Wallet"),
                ("mapping", mapping.as_str()),
                ("dry_run", "true"),
            ])
            .body(file);
        let report = ok(Server::send(import).await);
        assert_eq!(
            (
                report["added"].as_array().map(Vec::len),
                report["errors"].clone(),
                report["committed"].clone()
            ),
            (Some(3), json!([]), json!(false)),
            "{report}"
        );
    }

    fn ok_status(
        (status, _, body): (reqwest::StatusCode, reqwest::header::HeaderMap, Value),
    ) -> (u16, String) {
        (
            status.as_u16(),
            body["kind"].as_str().unwrap_or_default().to_string(),
        )
    }

    #[tokio::test]
    async fn a_subscribed_client_sees_a_refresh_move_a_price_and_a_bad_token_is_closed() {
        let fake = FakeCoinGecko::start().await;
        fake.set_price("bitcoin", 70_000.0);
        let user = User::new(&fake.base_url());
        user.run(&["watchlist", "add", "bitcoin"]).await.ok();
        let token = token(&user, &["phone", "--read-only"]).await;
        let server = Server::start(&user).await;

        let mut stranger = connect(&server, None).await;
        send(
            &mut stranger,
            json!({"type": "auth", "token": format!("cly_{}", "B".repeat(43))}),
        )
        .await;
        let (code, reason) = closed(&mut stranger).await;
        assert_eq!(
            (u16::from(code), reason.contains("not valid")),
            (4401, true),
            "{reason}"
        );

        let mut ws = connect(&server, None).await;
        send(&mut ws, json!({"type": "auth", "token": token})).await;
        send(
            &mut ws,
            json!({"type": "subscribe", "topics": ["prices", "status"]}),
        )
        .await;
        fake.set_price("bitcoin", 71_500.25);
        let price = wait_until("a market message with the new price", WAIT, async || {
            let market = next_of(&mut ws, "market").await;
            let price = market["quotes"][0]["price"]
                .as_str()
                .unwrap_or("")
                .to_string();
            if price == "71500.25" {
                Ok(market)
            } else {
                Err(market.to_string())
            }
        })
        .await;
        assert_eq!(price["type"], "updated");
        assert_eq!(price["quotes"][0]["coin_id"], "bitcoin");
        let status = next_of(&mut ws, "status").await;
        assert!(
            status["updated_at"].is_string() && status["failure"].is_null(),
            "{status}"
        );

        // A browser's page: its session cookie authenticates the upgrade,
        // from our own origin only.
        let signed = server
            .http
            .post(server.url("/session"))
            .json(&json!({"token": token}))
            .send()
            .await
            .expect("sign in");
        let cookie = super::session_cookie(&signed);
        let origin = server.base.trim_end_matches("/api/v1").to_string();
        let mut page =
            connect_with(&server, None, &[("cookie", &cookie), ("origin", &origin)]).await;
        send(
            &mut page,
            json!({"type": "subscribe", "topics": ["status"]}),
        )
        .await;
        fake.set_price("bitcoin", 71_600.0);
        assert!(next_of(&mut page, "status").await["updated_at"].is_string());
        let mut foreign = connect_with(
            &server,
            None,
            &[("cookie", &cookie), ("origin", "http://evil.example")],
        )
        .await;
        send(
            &mut foreign,
            json!({"type": "subscribe", "topics": ["status"]}),
        )
        .await;
        let (code, reason) = closed(&mut foreign).await;
        assert_eq!(
            u16::from(code),
            4401,
            "a foreign page's cookie is no credential: {reason}"
        );

        // A service manager's stop: open streams are told and closed, and
        // the server exits rather than wait for them.
        let Server { process, .. } = server;
        let stopped = tokio::time::timeout(
            WAIT,
            tokio::task::spawn_blocking(move || process.terminate()),
        )
        .await
        .expect("the server stops with streams open")
        .expect("join");
        assert_eq!(stopped.0, 0, "{}", stopped.1);
        let (code, reason) = closed(&mut page).await;
        assert_eq!(u16::from(code), 1001, "{reason}");
    }

    #[tokio::test]
    async fn a_client_too_slow_to_read_is_closed_while_a_fast_one_keeps_receiving() {
        let fake = FakeCoinGecko::start().await;
        let user = User::new(&fake.base_url());
        // A hundred coins: each market message is some 90 KB.
        let top = user
            .run(&["prices", "--json", "--top", "100"])
            .await
            .ok()
            .json();
        let ids: Vec<String> = top
            .as_array()
            .expect("quotes")
            .iter()
            .filter_map(|q| q["id"].as_str().map(String::from))
            .collect();
        let mut args = vec!["watchlist", "add"];
        args.extend(ids.iter().map(String::as_str));
        user.run(&args).await.ok();
        let token = token(&user, &["dash"]).await;
        let env = [(
            "COINLYTICS_REQUESTS_PER_MINUTE".to_string(),
            "10000".to_string(),
        )];
        let server = Server::start_with(&user, &env).await;

        let mut fast = connect(&server, None).await;
        let mut slow = connect(&server, Some(4096)).await;
        for ws in [&mut fast, &mut slow] {
            send(ws, json!({"type": "auth", "token": token})).await;
            send(
                ws,
                json!({"type": "subscribe", "topics": ["prices", "status", "sources"]}),
            )
            .await;
        }
        // The fast client reads everything, in its own task.
        let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = received.clone();
        let reader = tokio::spawn(async move {
            while let Some(Ok(msg)) = fast.next().await {
                if matches!(msg, Message::Text(_)) {
                    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        });
        // Refreshes, one after another, each a market message to both.
        let http = crate::util::http_client();
        let url = format!("{}/watchlist", server.base);
        // The slow client reads nothing until the server says it closed it.
        let mut refreshes = 0;
        while !server
            .process
            .output()
            .contains("closed a stream client too slow to read")
        {
            http.post(&url)
                .bearer_auth(&token)
                .json(&json!({"id": "bitcoin"}))
                .send()
                .await
                .expect("post");
            refreshes += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert!(refreshes < 3_000, "the slow client was never closed");
        }
        // Its socket holds what was sent before the close: read it all.
        let (code, reason) = closed(&mut slow).await;
        assert_eq!(u16::from(code), 4408, "{reason}");
        assert!(reason.starts_with("too slow"), "{reason}");
        // The fast one was never held up and still receives.
        let before = received.load(std::sync::atomic::Ordering::Relaxed);
        assert!(before > 10, "{before}");
        http.post(&url)
            .bearer_auth(&token)
            .json(&json!({"id": "bitcoin"}))
            .send()
            .await
            .expect("post");
        wait_until("the fast client to receive more", WAIT, async || {
            received.load(std::sync::atomic::Ordering::Relaxed) > before
        })
        .await;
        reader.abort();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_portfolio_is_kept_read_imported_and_exported_through_the_api() {
    let fake = FakeCoinGecko::start().await;
    fake.set_price("bitcoin", 70_000.0);
    let user = User::new(&fake.base_url());
    let reader = token(&user, &["phone", "--read-only"]).await;
    let token = token(&user, &["laptop"]).await;
    let server = Server::start(&user).await;
    let tx = |t: &str, body: Value| {
        server
            .call(Method::POST, "/portfolio/transactions", t)
            .json(&body)
    };
    let buy = json!({"portfolio": "Main", "kind": "buy", "coin": "btc", "quantity": "0.5",
                     "price": "60000", "currency": "", "fee": "", "time": "2024-03-01"});

    refused(
        Server::send(tx(&reader, buy.clone())).await,
        403,
        "forbidden",
    );
    let (status, _, added) = Server::send(tx(&token, buy)).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let id = added[0]["id"].as_i64().expect("an id");
    let sell_too_much = json!({"portfolio": "Main", "kind": "sell", "coin": "btc", "quantity": "2", "price": "70000"});
    let body = refused(
        Server::send(tx(&token, sell_too_much)).await,
        400,
        "invalid_input",
    );
    assert!(
        body["message"].as_str().unwrap_or("").contains("1.5 short"),
        "{body}"
    );

    let (status, _, page) =
        Server::send(server.get("/portfolio?portfolio=Main&method=fifo", Some(&reader))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["tx_count"], 1);
    let holding = &page["holdings"]["holdings"][0];
    assert_eq!(
        (holding["coin"].as_str(), holding["market_value"].as_str()),
        (Some("bitcoin"), Some("35000.00")),
        "{page}"
    );
    refused(
        Server::send(server.get("/portfolio?method=newest", Some(&reader))).await,
        400,
        "invalid_input",
    );
    let (_, _, whatif) =
        Server::send(server.get("/portfolio/whatif?coin=btc&quantity=0.25", Some(&reader))).await;
    assert!(
        whatif.is_object() && whatif.get("kind").is_none(),
        "{whatif}"
    );
    let (status, _, value) =
        Server::send(server.get("/portfolio/value?portfolio=Main", Some(&reader))).await;
    assert_eq!(status, StatusCode::OK, "{value}");

    let edit = server.call(Method::PUT, &format!("/portfolio/transactions/{id}"), &token)
        .json(&json!({"portfolio": "Main", "kind": "buy", "coin": "btc", "quantity": "0.75", "price": "60000"}));
    let (status, _, edited) = Server::send(edit).await;
    assert_eq!(
        (status, edited["quantity"].as_str()),
        (StatusCode::OK, Some("0.75")),
        "{edited}"
    );

    // An exchange's export as an upload: a dry run first, then for real.
    let file = std::fs::read(format!(
        "{}/fixtures/portfolio/coinbase-2024.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the fixture");
    let upload = |dry: bool| {
        server
            .call(
                Method::POST,
                &format!("/portfolio/import?portfolio=Coinbase&dry_run={dry}"),
                &token,
            )
            .header("content-type", "text/csv")
            .body(file.clone())
    };
    let (status, _, preview) = Server::send(upload(true)).await;
    assert_eq!(
        (status, &preview["committed"], &preview["format"]),
        (StatusCode::OK, &json!(false), &json!("coinbase")),
        "{preview}"
    );
    let ls = |p: &'static str| {
        server.get(
            &format!("/portfolio/transactions?portfolio={p}"),
            Some(&reader),
        )
    };
    // A dry run makes nothing, not even the portfolio.
    refused(Server::send(ls("Coinbase")).await, 404, "not_found");
    let (_, _, imported) = Server::send(upload(false)).await;
    assert_eq!(imported["committed"], true, "{imported}");
    let n = imported["added"].as_array().map(Vec::len).expect("added");
    assert_eq!(
        Server::send(ls("Coinbase"))
            .await
            .2
            .as_array()
            .map(Vec::len),
        Some(n)
    );
    let (_, _, again) = Server::send(upload(false)).await;
    assert_eq!(
        again["added"].as_array().map(Vec::len),
        Some(0),
        "nothing twice: {again}"
    );
    // A file past the cap is refused by its declared length, before a
    // byte of it is read (a client sending it all would find the
    // connection closed mid-body: the answer is read from a raw socket).
    let answer = declare_body(
        &server,
        "/portfolio/import?portfolio=Coinbase",
        "text/csv",
        &token,
        65 << 20,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"kind\":\"too_large\""), "{answer}");

    let res = server
        .get("/portfolio/export?portfolio=Main", Some(&reader))
        .send()
        .await
        .expect("export");
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = res.text().await.expect("text");
    assert!(
        csv.starts_with("time,type,coin,quantity,price,currency,fee,fee_currency,note,portfolio\n"),
        "{csv}"
    );
    let res = server
        .get("/portfolio/export?what=holdings&method=hifo", Some(&reader))
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), StatusCode::OK);

    let del = server.call(
        Method::DELETE,
        &format!("/portfolio/transactions/{id}"),
        &token,
    );
    assert_eq!(Server::send(del).await.0, StatusCode::OK);
    assert_eq!(
        Server::send(ls("Main")).await.2.as_array().map(Vec::len),
        Some(0)
    );
}
