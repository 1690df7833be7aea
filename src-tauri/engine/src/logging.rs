//! Logging: `tracing` to a daily-rolling file in the data directory and,
//! for errors, to stderr (front ends explain failures to the user
//! themselves). `RUST_LOG` overrides the configured level for both.

use std::io::IsTerminal;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

use crate::config::Settings;

/// What goes to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// Nothing (the terminal belongs to a full-screen ticker).
    Off,
    /// Errors, or what `RUST_LOG` asks for.
    Errors,
    /// Warnings and errors, or what `RUST_LOG` asks for.
    Warnings,
}

/// Keeps the file writer flushing; drop it last.
pub struct LogGuard {
    _file: Option<tracing_appender::non_blocking::WorkerGuard>,
}

/// `RUST_LOG` if set (`warn,coinlytics=debug`: targets and levels, which
/// is all Coinlytics' logs need; no regex engine for span filters), else
/// warnings from everyone and `level` from us.
fn filter(level: &str) -> Targets {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            // A prefix: `coinlytics` is every crate of ours.
            Targets::new()
                .with_default(LevelFilter::WARN)
                .with_target("coinlytics", level.parse().unwrap_or(LevelFilter::INFO))
        })
}

/// Lines the file writer's queue holds before it drops new ones.
const LOG_BUFFER_LINES: usize = 1024;

/// Installs the global subscriber. Safe to call once per process; a log
/// directory that cannot be created leaves stderr logging only.
pub fn init(settings: &Settings, stderr: Stderr) -> LogGuard {
    let log_dir = settings.log_dir();
    let file = crate::private::dir(&log_dir)
        .ok()
        .and_then(|()| {
            tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix("coinlytics")
                .filename_suffix("log")
                .max_log_files(14)
                .build(&log_dir)
                .ok()
        })
        .map(|appender| {
            // The default buffer holds 128,000 lines, a channel allocated
            // and touched up front: 5 MiB of a 20 MiB terminal ticker.
            // Coinlytics logs a few lines a minute.
            tracing_appender::non_blocking::NonBlockingBuilder::default()
                .buffered_lines_limit(LOG_BUFFER_LINES)
                .finish(appender)
        });
    let (file_layer, guard) = match file {
        Some((writer, guard)) => (
            Some(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(writer)
                    .with_filter(filter(&settings.log_level)),
            ),
            Some(guard),
        ),
        None => (None, None),
    };
    let stderr_layer = (stderr != Stderr::Off).then(|| {
        let least = if stderr == Stderr::Warnings {
            LevelFilter::WARN
        } else {
            LevelFilter::ERROR
        };
        // Only our own lines: a dependency's (a TLS verifier's, say) are
        // in the log file, and the error the user gets already says why.
        let f = if std::env::var_os("RUST_LOG").is_some() {
            filter(&settings.log_level)
        } else {
            Targets::new().with_target("coinlytics", least)
        };
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false)
            .with_filter(f)
    });
    let _ = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    if guard.is_none() {
        tracing::warn!(dir = %log_dir.display(), "cannot write log files; logging to stderr only");
    }
    LogGuard { _file: guard }
}
