//! Whether the simulated provider takes a send request at all: it refuses
//! (503) during an outage set through the control endpoint, and at random
//! with `--fail-rate`; it counts what it refused, so that a test can tell
//! how many requests a sender made to a provider that was down.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::plan::{Dice, Knobs};

#[derive(Default)]
pub struct Availability {
    down_until: Mutex<Option<Instant>>,
    refused: AtomicU64,
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

    /// Send requests refused so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}
