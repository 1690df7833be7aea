//! What the window hears, and how it hears it: the events below wait in an
//! outbox the page reads with one long-polling command (`window_events`),
//! in order, rather than each being pushed into the page as a script.
//!
//! Why not Tauri's `emit`: it evaluates a script in the page and WebKitGTK
//! hands each evaluation's result back to the app's own process as a
//! JavaScript value, which starts a JavaScriptCore VM there for nothing
//! (about 3 MiB of the app process's memory; BENCHMARKS.md). A command's
//! answer arrives over Tauri's IPC protocol as data.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use tauri::ipc::{InvokeResponseBody, Response};
use tauri::{AppHandle, Manager};
use tokio::sync::Notify;

/// Market updates and failures: `MarketEvent`.
pub const MARKET: &str = "market";
/// Streamed prices, a batch per frame: `PriceTick[]`.
pub const TICKS: &str = "ticks";
/// Each alert firing and delivery: `AlertEvent`.
pub const ALERT: &str = "alert";
/// Asks the window to show a coin (a notification's or the tray's click).
pub const OPEN_COIN: &str = "open-coin";
/// A coin's backfill progress: `BackfillEvent`.
pub const BACKFILL: &str = "backfill";
/// An import's fetch of the rates and past prices it needs: `FillProgress`.
pub const FILL: &str = "fill";

/// Events kept for a page that is not reading (a market event of 100 coins
/// is about 90 KB); those it has read go at once.
const KEPT: usize = 64;
/// How long `window_events` waits for an event before answering none, so
/// a reloaded page's abandoned request ends.
const LONGEST_WAIT: Duration = Duration::from_secs(25);

/// The events not yet read, each numbered; Tauri state.
#[derive(Default)]
pub struct Outbox {
    queue: Mutex<Queue>,
    arrived: Notify,
}

#[derive(Default)]
struct Queue {
    /// The number of the newest event (the first is 1); 0 before any.
    last: u64,
    /// `(number, {"kind":…,"payload":…})`, oldest first.
    events: VecDeque<(u64, String)>,
}

impl Outbox {
    /// Queues an event of `kind` for the page.
    pub fn push(&self, kind: &'static str, payload: &impl Serialize) {
        let event = match serde_json::to_string(&Envelope { kind, payload }) {
            Ok(json) => json,
            Err(e) => {
                tracing::warn!(kind, error = %e, "cannot serialise an event for the window");
                return;
            }
        };
        let mut queue = self.lock();
        queue.last += 1;
        let number = queue.last;
        queue.events.push_back((number, event));
        if queue.events.len() > KEPT {
            queue.events.pop_front();
        }
        drop(queue);
        self.arrived.notify_waiters();
    }

    /// The events numbered after `after` (all since the page first asked,
    /// when it asks with `None`: none), waiting up to `wait` for one. The
    /// answer's `next` is what to ask after next time.
    async fn after(&self, after: Option<u64>, wait: Duration) -> String {
        let Some(after) = after else {
            return answer(self.lock().last, &[]);
        };
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Registered before looking, so an event pushed between the
            // look and the wait still wakes it.
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            {
                let mut queue = self.lock();
                // Asking after `after` says every event up to it arrived.
                while queue.events.front().is_some_and(|(n, _)| *n <= after) {
                    queue.events.pop_front();
                }
                if !queue.events.is_empty() || after > queue.last {
                    let fresh: Vec<&str> = queue.events.iter().map(|(_, e)| e.as_str()).collect();
                    return answer(queue.last, &fresh);
                }
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return answer(after, &[]);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Queues an event for the window (see [`Outbox::push`]).
pub fn send(app: &AppHandle, kind: &'static str, payload: &impl Serialize) {
    app.state::<Outbox>().push(kind, payload);
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    kind: &'static str,
    payload: &'a T,
}

/// `{"next": n, "events": [...]}`, the events already JSON.
fn answer(next: u64, events: &[&str]) -> String {
    format!("{{\"next\":{next},\"events\":[{}]}}", events.join(","))
}

/// The window's events after `after` (see [`Outbox::after`]), as
/// `{next, events: [{kind, payload}]}`.
#[tauri::command]
pub async fn window_events(
    outbox: tauri::State<'_, Outbox>,
    after: Option<u64>,
) -> Result<Response, ()> {
    let json = outbox.after(after, LONGEST_WAIT).await;
    Ok(Response::new(InvokeResponseBody::Json(json)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_secs(5);

    fn parsed(json: &str) -> serde_json::Value {
        serde_json::from_str(json).expect("the answer is JSON")
    }

    #[tokio::test]
    async fn a_first_ask_starts_from_now_and_later_asks_get_each_event_once_in_order() {
        let outbox = Outbox::default();
        outbox.push(MARKET, &"before the page asked");
        let first = parsed(&outbox.after(None, WAIT).await);
        assert_eq!(first["events"], serde_json::json!([]));
        let next = first["next"].as_u64().expect("next");

        outbox.push(TICKS, &[1, 2]);
        outbox.push(OPEN_COIN, &"bitcoin");
        let second = parsed(&outbox.after(Some(next), WAIT).await);
        assert_eq!(
            second["events"],
            serde_json::json!([
                {"kind": "ticks", "payload": [1, 2]},
                {"kind": "open-coin", "payload": "bitcoin"},
            ])
        );
        assert_eq!(second["next"].as_u64(), Some(next + 2));
    }

    #[tokio::test]
    async fn a_waiting_ask_is_answered_when_an_event_arrives() {
        let outbox = std::sync::Arc::new(Outbox::default());
        let next = parsed(&outbox.after(None, WAIT).await)["next"]
            .as_u64()
            .expect("next");
        let waiting = tokio::spawn({
            let outbox = outbox.clone();
            async move { outbox.after(Some(next), WAIT).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "answered with nothing to say");
        outbox.push(ALERT, &serde_json::json!({"type": "fired"}));
        let answer = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("answered in time")
            .expect("joined");
        assert_eq!(parsed(&answer)["events"][0]["kind"], "alert");
    }

    #[tokio::test]
    async fn with_nothing_to_say_it_answers_none_after_the_wait() {
        let outbox = Outbox::default();
        outbox.push(MARKET, &1);
        let answer = parsed(&outbox.after(Some(1), Duration::from_millis(20)).await);
        assert_eq!(answer["events"], serde_json::json!([]));
        assert_eq!(answer["next"].as_u64(), Some(1));
    }

    #[tokio::test]
    async fn what_the_page_has_read_is_not_kept() {
        let outbox = Outbox::default();
        let next = parsed(&outbox.after(None, WAIT).await)["next"]
            .as_u64()
            .expect("next");
        outbox.push(MARKET, &"a large snapshot");
        outbox.push(TICKS, &[1]);
        let read = parsed(&outbox.after(Some(next), WAIT).await);
        assert_eq!(
            outbox.lock().events.len(),
            2,
            "kept until the page says it has them"
        );
        let _ = outbox
            .after(read["next"].as_u64(), Duration::from_millis(10))
            .await;
        assert!(outbox.lock().events.is_empty());
    }

    #[test]
    fn only_the_newest_are_kept_for_a_page_that_fell_behind() {
        let outbox = Outbox::default();
        for i in 0..KEPT + 10 {
            outbox.push(TICKS, &i);
        }
        let queue = outbox.lock();
        assert_eq!(queue.events.len(), KEPT);
        assert_eq!(queue.events.front().map(|(n, _)| *n), Some(11));
    }
}
