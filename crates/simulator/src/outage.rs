//! Whether the simulated provider takes a send request at all: it refuses
//! (503) during an outage set through the control endpoint, and at random
//! with `--fail-rate`; it throttles (429) a message that would take it
//! over `--throttle` segments in the last second. It counts what it
//! refused and throttled, so that a test can tell how many requests a
//! sender made to a provider that was down, or too fast.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::plan::{Dice, Knobs};

#[derive(Default)]
pub struct Availability {
    down_until: Mutex<Option<Instant>>,
    refused: AtomicU64,
    /// The segments taken in the last second, with when.
    taken: Mutex<VecDeque<(Instant, u32)>>,
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
    /// `limit` segments in the last second: then it is throttled (and
    /// counted); else its segments are taken.
    pub fn throttles(&self, segments: u32, limit: Option<f64>) -> bool {
        let Some(limit) = limit else { return false };
        let now = Instant::now();
        let mut taken = self.taken.lock().expect("no panic while holding it");
        while taken
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) >= Duration::from_secs(1))
        {
            taken.pop_front();
        }
        let in_last_second: u32 = taken.iter().map(|(_, n)| n).sum();
        if f64::from(in_last_second + segments) > limit {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        taken.push_back((now, segments));
        false
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
