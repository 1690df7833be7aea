//! Delivers recorded firings: one worker per channel, so a slow or failing
//! SMTP server never holds up a desktop notification. Each worker takes the
//! deliveries that are due from SQLite, attempts them, and records the
//! outcome; a failure is retried with jittered exponential back-off until
//! the channel's attempts run out. Because the work list is the database,
//! deliveries left pending by a crash are simply picked up after a restart.
//!
//! A delivery is claimed (`sending`) in the store before it is attempted,
//! and its outcome recorded after. If the store fails in between (locked
//! past the busy timeout, disk full, read-only), the outcome is kept in
//! memory and only the write is retried, with back-off: a send is never
//! repeated because it could not be recorded. A crash between claim and
//! record sends it again on the next start: at least once, and an e-mail's
//! Message-ID keeps a mail client from showing it twice.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;

use super::channel::{self, Message, SendError};
use super::email::Mailer;
use super::notify::Notifier;
use super::now_ms;
use crate::model::alert::{DeliveryStatus, Firing};
use crate::model::channel::{ChannelPolicy, Verdict};
use crate::secrets;
use crate::store::{Store, StoreError, queries};

/// How a channel retries.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first_delay: Duration,
    pub max_delay: Duration,
    pub max_attempts: u32,
}

impl RetryPolicy {
    /// Desktop: a notification server that is gone for minutes is not
    /// coming back for this alert.
    pub const DESKTOP: RetryPolicy = RetryPolicy {
        first_delay: Duration::from_secs(2),
        max_delay: Duration::from_secs(60),
        max_attempts: 5,
    };
    /// E-mail: keep trying for about a day (2 s doubling to 15 min).
    pub const EMAIL: RetryPolicy = RetryPolicy {
        first_delay: Duration::from_secs(2),
        max_delay: Duration::from_secs(15 * 60),
        max_attempts: 100,
    };

    /// The delay before attempt `attempt + 1` (`attempt` ≥ 1), ±20 %.
    fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .first_delay
            .saturating_mul(1 << attempt.saturating_sub(1).min(20));
        let d = exp.min(self.max_delay).as_secs_f64();
        Duration::from_secs_f64(d * rand::rng().random_range(0.8..1.2))
    }
}

/// Why an attempt did not deliver, and what that says about the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undelivered {
    pub message: String,
    pub retry: Retry,
}

/// When to try again after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// After the channel's back-off.
    Backoff,
    /// Not before this (a service's rate answer), nor before the back-off.
    After(Duration),
    /// Never: the service refused for good (a bad token, an unknown
    /// topic); the channel needs changing.
    Never,
    /// Held back by the channel's quiet hours for this long; not a
    /// failure.
    Hold(Duration),
    /// Not sent, as the channel's quiet hours or daily cap say.
    Drop,
}

impl From<String> for Undelivered {
    fn from(message: String) -> Undelivered {
        Undelivered {
            message,
            retry: Retry::Backoff,
        }
    }
}

impl From<SendError> for Undelivered {
    fn from(e: SendError) -> Undelivered {
        let retry = match &e {
            SendError::Transient(_) => Retry::Backoff,
            SendError::RateLimited { wait, .. } => Retry::After(*wait),
            SendError::Refused(_) => Retry::Never,
        };
        Undelivered {
            message: e.to_string(),
            retry,
        }
    }
}

/// A delivery attempt's outcome, for whoever shows delivery status live.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct DeliveryEvent {
    pub firing_key: String,
    pub channel: String,
    pub status: DeliveryStatus,
    pub error: Option<String>,
}

/// The running workers; wake them when new firings are recorded.
pub struct Dispatcher {
    wake: Arc<Notify>,
    tasks: Vec<JoinHandle<()>>,
}

impl Dispatcher {
    pub fn spawn(
        store: Arc<Store>,
        notifier: Arc<dyn Notifier>,
        mailer: Arc<Mailer>,
        events: broadcast::Sender<DeliveryEvent>,
        stop: watch::Receiver<bool>,
    ) -> Dispatcher {
        let wake = Arc::new(Notify::new());
        let worker = {
            let (store, wake) = (store.clone(), wake.clone());
            move |channel: &str, policy| Worker {
                store: store.clone(),
                channel: channel.to_owned(),
                policy,
                wake: wake.clone(),
                events: events.clone(),
            }
        };
        let tasks = vec![
            tokio::spawn(
                worker("desktop", RetryPolicy::DESKTOP).run(stop.clone(), move |f| {
                    let notifier = notifier.clone();
                    async move {
                        notify_within(notifier, f, NOTIFY_TIMEOUT)
                            .await
                            .map_err(Undelivered::from)
                    }
                }),
            ),
            tokio::spawn(
                worker("email", RetryPolicy::EMAIL).run(stop.clone(), move |f| {
                    let mailer = mailer.clone();
                    async move {
                        mailer
                            .send_firing(&f)
                            .await
                            .map_err(|e| Undelivered::from(e.to_string()))
                    }
                }),
            ),
            tokio::spawn(added_channels(store, wake.clone(), worker, stop)),
        ];
        Dispatcher { wake, tasks }
    }

    /// New firings were recorded: look for due deliveries now.
    pub fn wake(&self) {
        self.wake.notify_waiters();
    }

    pub async fn join(self) {
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// How many messages the added channels send at once: a firing to 100
/// channels opens no 100 connections, and it takes that many slow
/// services at once (each given 10 s) to hold up another channel.
const CONCURRENT_SENDS: usize = 16;

/// Runs a worker for each channel a user added, and for each one added
/// later (looked for as often as a worker looks at the database, or when
/// woken), so a slow or failing channel holds up no other. `worker`
/// makes a channel's worker.
async fn added_channels(
    store: Arc<Store>,
    wake: Arc<Notify>,
    worker: impl Fn(&str, RetryPolicy) -> Worker,
    mut stop: watch::Receiver<bool>,
) {
    let mut running: Vec<String> = Vec::new();
    let mut tasks = Vec::new();
    let sends = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_SENDS));
    loop {
        match store.read(queries::channels::list) {
            Ok(all) => {
                for queries::channels::Row { name, .. } in all {
                    if running.contains(&name) {
                        continue;
                    }
                    let (store, channel, sends) = (store.clone(), name.clone(), sends.clone());
                    let run = worker(&name, RetryPolicy::EMAIL).run(stop.clone(), move |f| {
                        let (store, channel, sends) =
                            (store.clone(), channel.clone(), sends.clone());
                        async move {
                            // Never closed: acquiring only waits.
                            let _permit = sends.acquire_owned().await;
                            send_to_added(store, channel, f).await
                        }
                    });
                    tasks.push(tokio::spawn(run));
                    running.push(name);
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the alert channels"),
        }
        tokio::select! {
            _ = tokio::time::sleep(MAX_IDLE) => {}
            _ = wake.notified() => {}
            _ = stop.changed() => break,
        }
        if *stop.borrow() {
            break;
        }
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// Sends a firing to the channel `name` as it is now stored (an edit
/// applies to the next attempt), with its secrets from the keyring. A
/// service's refusal for good marks the channel failing, with its
/// reason, and a delivery clears the mark.
async fn send_to_added(store: Arc<Store>, name: String, f: Firing) -> Result<(), Undelivered> {
    let Some(row) = store
        .read(|c| queries::channels::get(c, &name))
        .map_err(|e| Undelivered::from(format!("cannot read the channel '{name}': {e}")))?
    else {
        return Err(Undelivered {
            message: format!("the channel '{name}' was removed"),
            retry: Retry::Never,
        });
    };
    held_back(&store, &row, &f)?;
    let (key, optional) = (name.clone(), !row.config.needs_secret());
    let secrets = tokio::task::spawn_blocking(move || secrets::channel(&key, optional))
        .await
        .map_err(|e| Undelivered::from(format!("the keyring's task failed: {e}")))?
        .map_err(|e| Undelivered::from(e.to_string()))?;
    let result = channel::send(&row.config, &secrets, &Message::firing(&f)).await;
    let mark = match &result {
        Ok(()) if row.failing.is_some() => Some(None),
        Err(SendError::Refused(why)) => Some(Some(why.as_str())),
        _ => None,
    };
    if let Some(failing) = mark {
        // The delivery's own record says the same; this mark is the
        // channel's, shown until it is fixed.
        if let Err(e) = store
            .write(|tx| queries::channels::set_failing(tx, &name, failing.map(|w| (w, now_ms()))))
        {
            tracing::warn!(channel = %name, error = %e, "cannot record the channel's state");
        }
    }
    result.map_err(Undelivered::from)
}

/// Whether the channel's policy (quiet hours, a daily cap) holds the
/// firing back now: the delivery is held until the quiet hours end, or
/// not sent.
fn held_back(store: &Store, row: &queries::channels::Row, f: &Firing) -> Result<(), Undelivered> {
    if row.policy == ChannelPolicy::default() {
        return Ok(());
    }
    let now = chrono::Local::now();
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|m| m.and_local_timezone(chrono::Local).earliest())
        .map_or(0, |m| m.timestamp_millis());
    let facts = store.read(|c| {
        let urgent = queries::alerts::rule_urgent(c, f.rule_id)?;
        let sent = match row.policy.daily_cap {
            Some(_) => queries::alerts::sent_since(c, &row.name, midnight)?,
            None => 0,
        };
        Ok((urgent, sent))
    });
    let (urgent, sent) =
        facts.map_err(|e| Undelivered::from(format!("cannot read the channel's sends: {e}")))?;
    match row.policy.verdict(now.naive_local(), urgent, sent) {
        Verdict::Send => Ok(()),
        Verdict::Hold(until, message) => {
            let until = until
                .and_local_timezone(chrono::Local)
                .earliest()
                .map_or(now, |t| t);
            let wait = (until - now).to_std().unwrap_or_default();
            Err(Undelivered {
                message,
                retry: Retry::Hold(wait),
            })
        }
        Verdict::Drop(message) => Err(Undelivered {
            message,
            retry: Retry::Drop,
        }),
    }
}

/// The longest a desktop notification may take. notify-rust's D-Bus call
/// has no timeout of its own: a notification server that takes the call
/// and never answers would hold the desktop channel, and every later
/// alert, for good.
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// Shows `firing` on its own thread and waits at most `limit`. Past it the
/// attempt has failed and is retried; the server may still show it late (at
/// least once, as after a crash). A plain thread, not `spawn_blocking`: a
/// runtime waits for its blocking tasks when it shuts down, and a stuck
/// call would keep `coinlytics monitor` from exiting.
async fn notify_within(
    notifier: Arc<dyn Notifier>,
    firing: Firing,
    limit: Duration,
) -> Result<(), String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("notify".into())
        .spawn(move || {
            let _ = tx.send(notifier.notify(&firing));
        })
        .map_err(|e| format!("cannot start a thread for the desktop notification: {e}"))?;
    match tokio::time::timeout(limit, rx).await {
        Ok(Ok(shown)) => shown,
        Ok(Err(_)) => Err("the desktop notification failed without an answer".into()),
        Err(_) => Err(format!(
            "the notification server did not answer within {} s",
            limit.as_secs_f64()
        )),
    }
}

struct Worker {
    store: Arc<Store>,
    channel: String,
    policy: RetryPolicy,
    wake: Arc<Notify>,
    events: broadcast::Sender<DeliveryEvent>,
}

/// The longest a worker sleeps without looking at the database: deliveries
/// recorded by another process's monitor do not wake it.
const MAX_IDLE: Duration = Duration::from_secs(30);
/// The first wait after the store failed; it doubles up to [`MAX_IDLE`].
const STORE_RETRY: Duration = Duration::from_secs(1);

/// An attempt's outcome, kept in memory until the store takes it.
struct Outcome {
    key: String,
    status: DeliveryStatus,
    error: Option<String>,
    at: i64,
    retry_at: i64,
}

/// What a worker must remember between rounds.
#[derive(Default)]
struct WorkerState {
    /// `sending` rows of a crashed run are requeued once, at start.
    requeued: bool,
    /// Attempts made but not yet recorded (the store failed): only the
    /// write is retried, never the send.
    unrecorded: Vec<Outcome>,
    /// How long to wait after the store failed, if it did.
    store_backoff: Option<Duration>,
}

impl Worker {
    async fn run<F, Fut>(self, mut stop: watch::Receiver<bool>, deliver: F)
    where
        F: Fn(Firing) -> Fut,
        Fut: Future<Output = Result<(), Undelivered>>,
    {
        let mut state = WorkerState::default();
        loop {
            // Registered before looking, so a wake during the look is kept.
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let idle = match self.round(&mut state, &deliver).await {
                Ok(()) => {
                    state.store_backoff = None;
                    self.until_next_due()
                }
                Err(e) => {
                    let wait = state
                        .store_backoff
                        .map_or(STORE_RETRY, |d| (d * 2).min(MAX_IDLE));
                    state.store_backoff = Some(wait);
                    tracing::error!(
                        channel = %self.channel,
                        error = %e,
                        unrecorded = state.unrecorded.len(),
                        retry_in_ms = wait.as_millis() as u64,
                        "cannot use the alert store; nothing more is sent until it works"
                    );
                    wait
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(idle.min(MAX_IDLE)) => {}
                _ = woken => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    /// Catches the store up, then delivers what is due. Stops at the first
    /// store failure: a send is only made once its claim is stored.
    async fn round<F, Fut>(&self, state: &mut WorkerState, deliver: &F) -> Result<(), StoreError>
    where
        F: Fn(Firing) -> Fut,
        Fut: Future<Output = Result<(), Undelivered>>,
    {
        if !state.requeued {
            let n = self
                .store
                .write(|tx| queries::alerts::requeue_interrupted(tx, &self.channel))?;
            if n > 0 {
                tracing::warn!(
                    channel = %self.channel,
                    deliveries = n,
                    "resending deliveries interrupted by an earlier exit"
                );
            }
            state.requeued = true;
        }
        if !state.unrecorded.is_empty() {
            self.store.write(|tx| {
                for o in &state.unrecorded {
                    record(tx, &self.channel, o)?;
                }
                Ok(())
            })?;
            tracing::info!(
                channel = %self.channel,
                deliveries = state.unrecorded.len(),
                "recorded deliveries made while the store was failing"
            );
            state.unrecorded.clear();
        }
        let now = now_ms();
        // Past the longest back-off (and a margin for its jitter).
        let horizon = now + 2 * self.policy.max_delay.as_millis() as i64;
        let due = self
            .store
            .read(|c| queries::alerts::due(c, &self.channel, now, horizon, 50))?;
        for (firing, attempts) in due {
            let key = firing.key.clone();
            let attempt = attempts + 1;
            let span = tracing::info_span!("deliver", channel = %self.channel, key = %key, attempt);
            let claimed = self
                .store
                .write(|tx| queries::alerts::claim(tx, &key, &self.channel, now_ms()))?;
            if !claimed {
                continue;
            }
            let result = {
                let _e = span.enter();
                deliver(firing)
            }
            .await;
            let now = now_ms();
            let outcome = match result {
                Ok(()) => {
                    tracing::info!(parent: &span, "alert delivered");
                    Outcome {
                        key,
                        status: DeliveryStatus::Sent,
                        error: None,
                        at: now,
                        retry_at: now,
                    }
                }
                Err(e) => {
                    let backoff = self.policy.delay(attempt);
                    let (status, retry_at) = match e.retry {
                        Retry::Hold(d) => (DeliveryStatus::Held, now + d.as_millis() as i64),
                        Retry::Drop => (DeliveryStatus::Dropped, now),
                        Retry::Never => (DeliveryStatus::Failed, now),
                        _ if attempt >= self.policy.max_attempts => (DeliveryStatus::Failed, now),
                        Retry::Backoff => {
                            (DeliveryStatus::Pending, now + backoff.as_millis() as i64)
                        }
                        Retry::After(wait) => (
                            DeliveryStatus::Pending,
                            now + wait.max(backoff).as_millis() as i64,
                        ),
                    };
                    if matches!(status, DeliveryStatus::Held | DeliveryStatus::Dropped) {
                        tracing::info!(parent: &span, status = status.as_str(), reason = %e.message, "alert held back by the channel's policy");
                    } else {
                        tracing::warn!(parent: &span, status = status.as_str(), error = %e.message, "alert delivery failed");
                    }
                    Outcome {
                        key,
                        status,
                        error: Some(e.message),
                        at: now,
                        retry_at,
                    }
                }
            };
            let _ = self.events.send(DeliveryEvent {
                firing_key: outcome.key.clone(),
                channel: self.channel.clone(),
                status: outcome.status,
                error: outcome.error.clone(),
            });
            if let Err(e) = self.store.write(|tx| record(tx, &self.channel, &outcome)) {
                state.unrecorded.push(outcome);
                return Err(e);
            }
        }
        Ok(())
    }

    /// How long until the next pending delivery is due.
    fn until_next_due(&self) -> Duration {
        match self
            .store
            .read(|c| queries::alerts::next_due(c, &self.channel))
        {
            Ok(Some(at)) => Duration::from_millis(at.saturating_sub(now_ms()).max(0) as u64),
            Ok(None) => MAX_IDLE,
            Err(e) => {
                tracing::error!(channel = %self.channel, error = %e, "cannot read pending alert deliveries");
                MAX_IDLE
            }
        }
    }
}

fn record(tx: &rusqlite::Connection, channel: &str, o: &Outcome) -> rusqlite::Result<()> {
    queries::alerts::record_attempt(
        tx,
        &o.key,
        channel,
        o.status,
        o.error.as_deref(),
        o.at,
        o.retry_at,
    )
}

#[cfg(test)]
mod tests {
    use super::{RetryPolicy, notify_within};
    use crate::alerts::notify::Notifier;
    use crate::model::alert::Firing;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// A notification server that takes the call and never answers.
    struct Stuck;

    impl Notifier for Stuck {
        fn notify(&self, _: &Firing) -> Result<(), String> {
            std::thread::sleep(Duration::from_secs(3600));
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_notification_server_that_never_answers_fails_the_attempt_in_time() {
        let firing = crate::testing::firing("bitcoin");
        let start = Instant::now();
        let result = notify_within(Arc::new(Stuck), firing, Duration::from_millis(200)).await;
        assert_eq!(
            result,
            Err("the notification server did not answer within 0.2 s".into())
        );
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn back_off_doubles_within_jitter_and_is_capped() {
        let p = RetryPolicy::EMAIL;
        let d1 = p.delay(1).as_secs_f64();
        let d3 = p.delay(3).as_secs_f64();
        assert!((1.6..=2.4).contains(&d1), "{d1}");
        assert!((6.4..=9.6).contains(&d3), "{d3}");
        assert!(p.delay(60) <= Duration::from_secs(18 * 60));
    }
}
