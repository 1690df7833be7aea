//! `coinlytics monitor`: the alert monitor without a window, for servers and
//! sessions without a desktop. Logs each firing and delivery on stdout.

use std::sync::Arc;

use coinlytics_engine::app::alerts::AlertEvent;
use coinlytics_engine::app::market::refresher;
use coinlytics_engine::model::alert::DeliveryStatus;
use coinlytics_engine::{Engine, Error};
use tokio::sync::broadcast::error::RecvError;

use crate::alerts::time;

pub async fn run(engine: Arc<Engine>) -> Result<(), Error> {
    let monitor = engine
        .start_monitor("coinlytics monitor", None)
        .map_err(|e| match e {
            // Exit code 3: already running.
            Error::Lock(_) => Error::Reported(coinlytics_engine::error::ErrorBody {
                kind: e.kind(),
                message: format!("{e}; not starting a second monitor"),
            }),
            e => e,
        })?;
    let mut events = monitor.subscribe();
    let settings = engine.settings();
    let rules = engine.alerts()?;
    let refresher = refresher::spawn(
        engine.clone(),
        settings.refresh_interval(),
        Engine::refresh_requests,
    );
    let streams = refresher::spawn_streams(engine.clone(), false, Engine::refresh_requests);
    outln!(
        "monitoring {} enabled alert rule(s), refreshing every {} s; Ctrl-C stops",
        rules.iter().filter(|r| r.rule.enabled).count(),
        settings.refresh_secs
    );
    let stop = shutdown_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(AlertEvent::Fired(f)) => outln!(
                    "{} fired {}: {} — {}", time(f.fired_at), f.key, f.headline(), f.body().replace('\n', " ")
                ),
                Ok(AlertEvent::Delivery(d)) => match d.status {
                    DeliveryStatus::Sent => outln!("delivered {} by {}", d.firing_key, d.channel),
                    DeliveryStatus::Held | DeliveryStatus::Dropped => outln!(
                        "{} by {}: {}", d.firing_key, d.channel, d.error.unwrap_or_default()
                    ),
                    status => outln!(
                        "delivery of {} by {} {}: {}",
                        d.firing_key,
                        d.channel,
                        if status == DeliveryStatus::Failed { "failed for good" } else { "failed, will retry" },
                        d.error.unwrap_or_default()
                    ),
                },
                Ok(AlertEvent::Restarting { reason, retry_in_secs }) => outln!(
                    "the alert monitor stopped unexpectedly ({reason}); restarting in {retry_in_secs} s"
                ),
                Ok(AlertEvent::Restarted) => outln!("the alert monitor restarted"),
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
            _ = &mut stop => break,
        }
    }
    if let Some(s) = streams {
        s.stop().await;
    }
    refresher.stop().await;
    monitor.stop().await;
    outln!("monitor stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager.
pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
