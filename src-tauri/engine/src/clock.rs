//! Stored instants against the wall clock. Times that outlive the process
//! (a rule's last firing, a delivery's next attempt, the coin list's age)
//! are wall-clock unix milliseconds; when the clock steps back, a stored
//! time lies in the future. Such a time counts as expired, never as "still
//! waiting": otherwise a rule stays silent until the clock catches up.
//! Within one process, waits use tokio's monotonic time.

/// Now, as stored: wall-clock unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Whether `stored` lies within the last `span_ms` before `now`: false for
/// a time older than that, and for one in the future.
pub fn within(stored: i64, now: i64, span_ms: i64) -> bool {
    (0..span_ms).contains(&now.saturating_sub(stored))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_time_in_the_future_has_expired() {
        let now = 1_800_000_000_000;
        assert!(super::within(now - 10, now, 1000));
        assert!(!super::within(now - 1000, now, 1000));
        assert!(!super::within(now + 86_400_000, now, 1000));
    }
}
