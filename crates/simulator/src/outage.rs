//! Whether the simulated provider takes a send request at all: it refuses
//! (503) during an outage set through the control endpoint, and at random
//! with `--fail-rate`; it throttles (429) a message that would take it
//! over `--throttle` segments a second. It counts what it refused and
//! throttled, so that a test can tell how many requests a sender made to
//! a provider that was down, or too fast.
//!
//! The throttle is a token bucket, as rate limiters commonly are: `N`
//! segments a second, with a burst of one second's worth. (A strict
//! "segments in the last second" would also count this process's own
//! scheduling: requests that waited for a busy CPU are handled in a bunch
//! and would look like a burst the sender never made.)

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::plan::{Dice, Knobs};

#[derive(Default)]
pub struct Availability {
    down_until: Mutex<Option<Instant>>,
    refused: AtomicU64,
    /// The throttle's bucket: the segments it would take now, as of when.
    bucket: Mutex<Option<(f64, Instant)>>,
    throttled: AtomicU64,
}

impl Availability {
    /// Down from now for `duration` (zero: up again).
    pub fn down_for(&self, duration: Duration) {
        *self.down_until.lock().expect("no panic while holding it") = Some(Instant::now() + duration);
    }

    /// Why this request is refused, if it is (and counts it).
    pub fn refuses(&self, dice: &Dice, knobs: &Knobs) -> Option<&'static str> {
        let down = self
            .down_until
            .lock()
            .expect("no panic while holding it")
            .is_some_and(|until| Instant::now() < until);
        let reason = if down {
            Some("simulated outage (POST /simulator/outage): retry later")
        } else if dice.fails(knobs) {
            Some("simulated transient failure (--fail-rate): retry later")
        } else {
            None
        };
        if reason.is_some() {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        reason
    }

    /// Whether a message of `segments` would take the provider over
    /// `limit` segments a second: then it is throttled (and counted), and
    /// this says how long until it would be taken; else its segments are taken.
    pub fn throttles(&self, segments: u32, limit: Option<f64>) -> Option<Duration> {
        let limit = limit?;
        let now = Instant::now();
        let mut bucket = self.bucket.lock().expect("no panic while holding it");
        let (tokens, since) = bucket.get_or_insert((limit, now));
        let available = (*tokens + now.duration_since(*since).as_secs_f64() * limit).min(limit);
        let wanted = f64::from(segments);
        if wanted > available {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            return Some(Duration::from_secs_f64((wanted.min(limit) - available) / limit));
        }
        *bucket = Some((available - wanted, now));
        None
    }

    /// Send requests throttled so far.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// Send requests refused so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throttle_takes_a_seconds_worth_at_once_then_the_rate() {
        let availability = Availability::default();
        let limit = Some(20.0);
        assert!(
            (0..10).all(|_| availability.throttles(2, limit).is_none()),
            "a second's worth at once"
        );
        let wait = availability.throttles(2, limit).expect("then nothing more at once");
        assert!(
            wait <= Duration::from_millis(100),
            "2 segments come back within 100 ms: {wait:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(availability.throttles(2, limit), None, "100 ms later, 2 segments more");
        assert_eq!(availability.throttled(), 1);
        assert_eq!(availability.throttles(1_000, None), None, "no throttle, no limit");
    }
}
