//! A circuit breaker per provider, so that a provider that is down costs
//! each message nothing: after `breaker_failures` failed requests in a row
//! it opens and the dispatcher sends the route's messages to the next
//! provider at once, instead of each waiting for timeouts and retries;
//! after `breaker_cool_down_seconds` one request goes through as a probe,
//! whose answer closes the breaker or opens it again. Each replica keeps
//! its own breakers (a replica learns of an outage from its own requests).
//!
//! What counts: a request that got no usable answer (no connection, a
//! timeout, a 5xx, a refused key) is a failure; any answer about the
//! message (accepted or refused) is a success. A 429 is neither: the
//! provider is up and asks for a slower pace.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use smsgate_normalize::views::BreakerState;

use crate::config::SendingConfig;

/// What the breaker of a provider lets through now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Closed: send.
    Send,
    /// Half open: this request is the probe.
    Probe,
    /// Open: send elsewhere; it may let a probe through at this time.
    Skip { until: Instant },
}

#[derive(Debug)]
struct Breaker {
    failures_to_open: u32,
    cool_down: Duration,
    failures: u32,
    /// When it opened; `None` while closed.
    opened_at: Option<Instant>,
    /// When the probe of a half-open breaker left (one at a time).
    probe_since: Option<Instant>,
}

impl Breaker {
    fn state(&self, now: Instant) -> BreakerState {
        match self.opened_at {
            None => BreakerState::Closed,
            Some(at) if now < at + self.cool_down => BreakerState::Open,
            Some(_) => BreakerState::HalfOpen,
        }
    }
}

/// The breakers of every configured provider.
#[derive(Debug)]
pub struct Breakers {
    breakers: Mutex<BTreeMap<String, Breaker>>,
}

impl Breakers {
    pub fn new(config: &SendingConfig) -> Breakers {
        let breakers = config
            .providers
            .values()
            .map(|p| {
                let breaker = Breaker {
                    failures_to_open: p.breaker_failures,
                    cool_down: p.breaker_cool_down,
                    failures: 0,
                    opened_at: None,
                    probe_since: None,
                };
                (p.name.clone(), breaker)
            })
            .collect();
        Breakers {
            breakers: Mutex::new(breakers),
        }
    }

    fn with<T>(&self, provider: &str, f: impl FnOnce(&mut Breaker) -> T) -> Option<T> {
        self.breakers
            .lock()
            .expect("no panic while holding the breakers")
            .get_mut(provider)
            .map(f)
    }

    /// Whether a request may go to `provider` at `now`.
    pub fn admit(&self, provider: &str, now: Instant) -> Admission {
        self.with(provider, |b| match b.state(now) {
            BreakerState::Closed => Admission::Send,
            BreakerState::Open => Admission::Skip {
                until: b.opened_at.map_or(now, |at| at + b.cool_down),
            },
            BreakerState::HalfOpen => match b.probe_since {
                // A probe is out; another one only if it never came back.
                Some(since) if now < since + b.cool_down => Admission::Skip {
                    until: since + b.cool_down,
                },
                _ => {
                    b.probe_since = Some(now);
                    Admission::Probe
                }
            },
        })
        .unwrap_or(Admission::Send)
    }

    /// Records the answer of a request to `provider`: `true` for an answer
    /// about the message, `false` for none.
    pub fn record(&self, provider: &str, answered: bool, now: Instant) {
        self.with(provider, |b| {
            let before = b.state(now);
            if answered {
                b.failures = 0;
                b.opened_at = None;
                b.probe_since = None;
            } else {
                b.failures = b.failures.saturating_add(1);
                if before == BreakerState::HalfOpen || b.failures >= b.failures_to_open {
                    b.opened_at = Some(now);
                    b.probe_since = None;
                }
            }
            let after = b.state(now);
            if after != before {
                match after {
                    BreakerState::Open => tracing::warn!(
                        provider,
                        failures = b.failures,
                        cool_down_s = b.cool_down.as_secs_f64(),
                        "circuit breaker open: sending to the next provider of each route"
                    ),
                    _ => tracing::info!(provider, state = after.as_str(), "circuit breaker closed again"),
                }
            }
        });
    }

    /// Every provider's state, by name.
    pub fn states(&self, now: Instant) -> Vec<(String, BreakerState)> {
        self.breakers
            .lock()
            .expect("no panic while holding the breakers")
            .iter()
            .map(|(name, b)| (name.clone(), b.state(now)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SendingConfig;

    fn breakers() -> Breakers {
        let config = SendingConfig::parse(
            "t.toml",
            "[providers.p]\napi = \"clickatell\"\napi_key_env = \"K\"\nbreaker_failures = 3\nbreaker_cool_down_seconds = 10\n",
            |_| Some("k".into()),
        )
        .unwrap();
        Breakers::new(&config)
    }

    #[test]
    fn opens_after_failures_in_a_row_then_one_probe_decides() {
        let b = breakers();
        let t0 = Instant::now();
        for _ in 0..2 {
            b.record("p", false, t0);
        }
        b.record("p", true, t0);
        assert_eq!(b.admit("p", t0), Admission::Send, "a success resets the count");
        for _ in 0..3 {
            b.record("p", false, t0);
        }
        assert_eq!(
            b.admit("p", t0),
            Admission::Skip {
                until: t0 + Duration::from_secs(10)
            }
        );
        assert_eq!(b.states(t0), [("p".to_string(), BreakerState::Open)]);
        let later = t0 + Duration::from_secs(10);
        assert_eq!(b.admit("p", later), Admission::Probe);
        assert!(
            matches!(b.admit("p", later), Admission::Skip { .. }),
            "one probe at a time"
        );
        // The probe fails: open again for a full cool-down.
        b.record("p", false, later);
        assert_eq!(b.states(later), [("p".to_string(), BreakerState::Open)]);
        let again = later + Duration::from_secs(10);
        assert_eq!(b.admit("p", again), Admission::Probe);
        b.record("p", true, again);
        assert_eq!(b.admit("p", again), Admission::Send);
        assert_eq!(b.states(again), [("p".to_string(), BreakerState::Closed)]);
    }

    #[test]
    fn a_lost_probe_does_not_hold_the_breaker_forever() {
        let b = breakers();
        let t0 = Instant::now();
        for _ in 0..3 {
            b.record("p", false, t0);
        }
        let probe = t0 + Duration::from_secs(10);
        assert_eq!(b.admit("p", probe), Admission::Probe);
        assert_eq!(b.admit("p", probe + Duration::from_secs(10)), Admission::Probe);
    }
}
