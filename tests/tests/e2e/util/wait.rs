//! The one way a test waits for something the app, a server or a task does
//! in its own time.

use std::fmt::Display;
use std::time::{Duration, Instant};

/// How long a test waits for what should happen soon: long enough for a
/// loaded CI machine, short enough that a broken test fails in its lifetime.
pub const WAIT: Duration = Duration::from_secs(30);

/// A probe's answer to [`wait_until`]: done (`true`, `Some`, `Ok`) or not
/// yet. An `Err` says what the probe saw instead, for the failure message.
pub trait Probe {
    type Output;
    fn done(self) -> Result<Self::Output, String>;
}

impl Probe for bool {
    type Output = ();
    fn done(self) -> Result<(), String> {
        if self { Ok(()) } else { Err(String::new()) }
    }
}

impl<T> Probe for Option<T> {
    type Output = T;
    fn done(self) -> Result<T, String> {
        self.ok_or_else(String::new)
    }
}

impl<T, E: Display> Probe for Result<T, E> {
    type Output = T;
    fn done(self) -> Result<T, String> {
        self.map_err(|seen| seen.to_string())
    }
}

/// Asks `probe` until it is done and returns what it answered. Past
/// `timeout`, panics saying `what` it waited for and what the probe saw
/// last. It asks again after as long as the probe took to answer, and at
/// least 50 ms later, so a slow probe (a process run, a WebDriver or D-Bus
/// call) never takes more than half of the time of what it watches.
pub async fn wait_until<P: Probe>(
    what: &str,
    timeout: Duration,
    mut probe: impl AsyncFnMut() -> P,
) -> P::Output {
    let deadline = Instant::now() + timeout;
    loop {
        let asked = Instant::now();
        let seen = match probe().await.done() {
            Ok(answer) => return answer,
            Err(seen) => seen,
        };
        if Instant::now() >= deadline {
            let seen = if seen.is_empty() {
                seen
            } else {
                format!("; last seen:\n{seen}")
            };
            panic!("timed out after {timeout:?} waiting for {what}{seen}");
        }
        tokio::time::sleep(asked.elapsed().max(Duration::from_millis(50))).await;
    }
}
