//! A time-to-live cache that coalesces concurrent requests: while one caller
//! fetches a key, others asking for it wait and share the result, so N
//! consumers asking within the TTL cost one upstream call.
//!
//! Hand-written rather than a cache crate: there are a handful of keys (one
//! per distinct quote request), no eviction policy is needed, and the
//! coalescing is one async mutex per key.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Slot<V> = Arc<tokio::sync::Mutex<Option<(Instant, V)>>>;

pub struct Coalescer<K, V> {
    ttl: Duration,
    slots: Mutex<HashMap<K, Slot<V>>>,
}

impl<K: Eq + Hash + Clone, V: Clone> Coalescer<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Coalescer {
            ttl,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The cached value of `key` if younger than the TTL, else the result of
    /// `fetch` (which runs at most once at a time per key). Errors are not
    /// cached: the next caller tries again.
    pub async fn get_or_try_fetch<E, Fut>(
        &self,
        key: &K,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<V, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.entry(key.clone()).or_default().clone()
        };
        let mut entry = slot.lock().await;
        if let Some((at, v)) = entry.as_ref()
            && at.elapsed() < self.ttl
        {
            return Ok(v.clone());
        }
        let v = fetch().await?;
        *entry = Some((Instant::now(), v.clone()));
        Ok(v)
    }

    /// Forgets every cached value, e.g. after the watchlist changed.
    pub fn clear(&self) {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_callers_within_ttl_share_one_fetch() {
        let cache = Arc::new(Coalescer::<u8, u32>::new(Duration::from_secs(60)));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let (cache, calls) = (cache.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_try_fetch(&1, || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok::<_, ()>(7)
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.expect("task"), Ok(7));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn errors_are_not_cached_and_expired_values_refetch() {
        let cache = Coalescer::<u8, u32>::new(Duration::from_millis(30));
        assert_eq!(
            cache
                .get_or_try_fetch(&1, || async { Err::<u32, _>("down") })
                .await,
            Err("down")
        );
        assert_eq!(
            cache
                .get_or_try_fetch(&1, || async { Ok::<_, &str>(1) })
                .await,
            Ok(1)
        );
        assert_eq!(
            cache
                .get_or_try_fetch(&1, || async { Ok::<_, &str>(2) })
                .await,
            Ok(1)
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(
            cache
                .get_or_try_fetch(&1, || async { Ok::<_, &str>(3) })
                .await,
            Ok(3)
        );
    }
}
