//! Rate limits (governor): each token's requests, and each address's
//! failed attempts at a token, so a token cannot be guessed by trying.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

/// Failed attempts an address may make in a burst, then one a …
const FAILURES_BURST: u32 = 10;
/// … this often.
const FAILURE_EVERY: Duration = Duration::from_secs(6);

pub struct Limits {
    per_token: DefaultKeyedRateLimiter<String>,
    failures: DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses that ran out of failed attempts, until when.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    clock: DefaultClock,
}

/// Wait this long, in whole seconds (a Retry-After).
pub struct Wait(pub u64);

fn seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl Limits {
    pub fn new(per_second: u32) -> Limits {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = rate.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
        let failures = Quota::with_period(FAILURE_EVERY)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(FAILURES_BURST).unwrap_or(NonZeroU32::MIN));
        Limits {
            per_token: DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            failures: DefaultKeyedRateLimiter::keyed(failures),
            blocked: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    /// One more request with the token named `name`.
    pub fn request(&self, name: &str) -> Result<(), Wait> {
        // A key per token name: few, and kept for the server's life.
        self.per_token
            .check_key(&name.to_string())
            .map_err(|no| Wait(seconds(no.wait_time_from(self.clock.now())).max(1)))
    }

    /// Whether `ip` may try a token now.
    pub fn may_try(&self, ip: IpAddr) -> Result<(), Wait> {
        let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        match blocked.get(&ip) {
            Some(until) if *until > Instant::now() => {
                Err(Wait(seconds(*until - Instant::now()).max(1)))
            }
            Some(_) => {
                blocked.remove(&ip);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// `ip` presented no valid token: counted, and once its attempts run
    /// out it waits before it may try again.
    pub fn failed(&self, ip: IpAddr) -> Result<(), Wait> {
        match self.failures.check_key(&ip) {
            Ok(()) => Ok(()),
            Err(no) => {
                let wait = no.wait_time_from(self.clock.now()).max(FAILURE_EVERY);
                let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
                // Old entries go as new ones come: the map stays small.
                let now = Instant::now();
                blocked.retain(|_, until| *until > now);
                blocked.insert(ip, now + wait);
                Err(Wait(seconds(wait)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_its_burst_then_waits() {
        let limits = Limits::new(5);
        for _ in 0..10 {
            assert!(limits.request("a").is_ok());
        }
        let Err(Wait(secs)) = limits.request("a") else {
            panic!("the eleventh request passed")
        };
        assert!(secs >= 1);
        assert!(
            limits.request("b").is_ok(),
            "another token has its own budget"
        );
    }

    #[test]
    fn an_address_out_of_attempts_is_blocked_for_a_while() {
        let limits = Limits::new(5);
        let ip: IpAddr = "127.0.0.1".parse().expect("ip");
        for _ in 0..FAILURES_BURST {
            assert!(limits.may_try(ip).is_ok());
            assert!(limits.failed(ip).is_ok());
        }
        assert!(limits.failed(ip).is_err());
        let Err(Wait(secs)) = limits.may_try(ip) else {
            panic!("still allowed to try")
        };
        assert!((1..=FAILURE_EVERY.as_secs()).contains(&secs), "{secs}");
        assert!(limits.may_try("127.0.0.2".parse().expect("ip")).is_ok());
    }
}
