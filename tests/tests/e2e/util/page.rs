//! Driving a page through WebDriver, the window's (WebKitWebDriver) and a
//! browser's (chromedriver) alike.

use std::path::PathBuf;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use super::{WAIT, wait_until};

/// A WebDriver server `cargo install`ed (.ci/setup does), else the one
/// on PATH.
pub fn cargo_tool(name: &str) -> PathBuf {
    let installed = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|p| p.join("bin").join(name));
    match installed {
        Some(p) if p.exists() => p,
        _ => PathBuf::from(name),
    }
}

/// A port on 127.0.0.1 free now, for a WebDriver server to listen on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A session of the WebDriver server on `port` with `caps`, once it
/// answers.
pub async fn session(port: u16, caps: serde_json::Map<String, Value>) -> Client {
    wait_until("a WebDriver session", WAIT, async || {
        ClientBuilder::native()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
    })
    .await
}

/// Runs `script` (a function body) in the page once; what it returns.
pub async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("the page's script failed: {e}\n{script}"))
}

/// Runs `script` (a function body) in the page until it returns a truthy
/// value; returns that value. A failure shows the page's text.
pub async fn wait_js(c: &Client, what: &str, script: &str) -> Value {
    wait_until(what, WAIT, async || {
        let v = c.execute(script, vec![]).await.unwrap_or(Value::Null);
        let truthy = match &v {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => true,
        };
        if truthy {
            return Ok(v);
        }
        let text = c
            .execute("return document.body.innerText", vec![])
            .await
            .unwrap_or(Value::Null);
        Err(format!("{v} on a page reading:\n{text}"))
    })
    .await
}

pub async fn click(c: &Client, css: &str) {
    let e = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    // WebKitWebDriver does not scroll within a scrolled <dialog> to what
    // it clicks; a user would.
    let arg = serde_json::to_value(&e).expect("an element as JSON");
    c.execute(
        "arguments[0].scrollIntoView({block: 'center'}); return true",
        vec![arg],
    )
    .await
    .unwrap_or_else(|e| panic!("cannot scroll to {css}: {e}"));
    e.click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
}

pub async fn screenshot(c: &Client, name: &str) {
    // Two animation frames: what the page last changed is painted.
    c.execute_async(
        "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)))",
        vec![],
    )
    .await
    .expect("wait for a paint");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(name), png).expect("save screenshot");
}

pub async fn fill(c: &Client, css: &str, value: &str) {
    let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                  e.dispatchEvent(new Event('change', {bubbles: true})); return true";
    c.execute(script, vec![json!(css), json!(value)])
        .await
        .unwrap_or_else(|e| panic!("cannot fill {css}: {e}"));
}
