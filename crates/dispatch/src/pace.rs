//! Pacing: a provider's `rate` is in SMS segments per second (what
//! providers bill and throttle by), shared by the replicas that run
//! (each sends at most its share), and a provider that answered 429 gets
//! nothing from any replica until its `Retry-After` has passed.
//!
//! Each provider keeps the time its next segment may go: a message of `n`
//! segments moves it `n / rate` seconds past the moment the message
//! actually went. Messages to one provider pass a gate one at a time and
//! wait at it for their turn, so that a late wake-up on a busy machine
//! delays the ones after it instead of letting them go in a burst. A
//! message whose turn is further off than the longest wait goes back to
//! the queue, due then, so that no claim is held through a long wait.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::now_ms;
use crate::config::SendingConfig;

#[derive(Debug)]
struct Pace {
    /// Segments per second for all replicas; `None`: as fast as it answers.
    rate: Option<f64>,
    /// When the next segment may go, in ms since the epoch.
    next_free: f64,
    /// Nothing goes before this (a 429's `Retry-After`), ms since the epoch.
    paused_until: i64,
}

#[derive(Debug)]
pub struct Pacing {
    providers: Mutex<BTreeMap<String, Pace>>,
    /// One message at a time through each provider's turn.
    gates: BTreeMap<String, Arc<tokio::sync::Mutex<()>>>,
    /// Replicas sharing each rate (at least 1).
    replicas: Mutex<u32>,
}

impl Pacing {
    pub fn new(config: &SendingConfig) -> Pacing {
        let providers = config
            .providers
            .values()
            .map(|p| {
                let pace = Pace {
                    rate: p.rate,
                    next_free: 0.0,
                    paused_until: 0,
                };
                (p.name.clone(), pace)
            })
            .collect();
        let gates = config
            .providers
            .keys()
            .map(|name| (name.clone(), Arc::default()))
            .collect();
        Pacing {
            providers: Mutex::new(providers),
            gates,
            replicas: Mutex::new(1),
        }
    }

    /// Waits for the turn of a message of `segments` to `provider`: `Ok`
    /// once it may go, or `Err(wait)` at once when its turn is more than
    /// `max_wait` away (then nothing is taken).
    pub async fn turn(&self, provider: &str, segments: u32, max_wait: Duration) -> Result<(), Duration> {
        let Some(gate) = self.gates.get(provider) else {
            return Ok(());
        };
        let _one_at_a_time = gate.lock().await;
        let wait = self.reserve(provider, segments, now_ms(), max_wait)?;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
            // Count from when it really goes: a late wake-up moves the
            // next turns on rather than bunching them.
            self.went_late(provider, segments, now_ms());
        }
        Ok(())
    }

    /// After a message of `segments` went at `at`, later than planned: the
    /// next turn is `segments / rate` after `at`.
    fn went_late(&self, provider: &str, segments: u32, at: i64) {
        let replicas = f64::from((*self.replicas.lock().expect("no panic while pacing")).max(1));
        if let Some(pace) = self.providers.lock().expect("no panic while pacing").get_mut(provider)
            && let Some(rate) = pace.rate
        {
            let from_now = at as f64 + turn_ms(segments, rate, replicas);
            pace.next_free = pace.next_free.max(from_now);
        }
    }

    /// Takes the turn of a message of `segments` to `provider` at `now`
    /// (ms since the epoch) if it comes within `max_wait`: `Ok(wait)`, and
    /// the message goes after `wait`; else `Err(wait)`, nothing taken, and
    /// the message should be tried again after `wait`.
    fn reserve(&self, provider: &str, segments: u32, now: i64, max_wait: Duration) -> Result<Duration, Duration> {
        let replicas = f64::from((*self.replicas.lock().expect("no panic while pacing")).max(1));
        let mut providers = self.providers.lock().expect("no panic while pacing");
        let Some(pace) = providers.get_mut(provider) else {
            return Ok(Duration::ZERO);
        };
        let now_f = now as f64;
        let start = pace.next_free.max(now_f).max(pace.paused_until as f64);
        let wait = Duration::from_secs_f64(((start - now_f) / 1000.0).max(0.0));
        if wait > max_wait {
            return Err(wait);
        }
        if let Some(rate) = pace.rate {
            pace.next_free = start + turn_ms(segments, rate, replicas);
        }
        Ok(wait)
    }

    /// How many messages the providers can take within `within` at their
    /// rates (each message at least one segment), when every provider has
    /// a rate; `None` when one may take any number.
    pub fn capacity(&self, within: Duration) -> Option<usize> {
        let replicas = f64::from((*self.replicas.lock().expect("no panic while pacing")).max(1));
        let providers = self.providers.lock().expect("no panic while pacing");
        let mut total = 0.0;
        for pace in providers.values() {
            total += pace.rate? / replicas * within.as_secs_f64();
        }
        Some((total.ceil() as usize).max(1))
    }

    /// Nothing goes to `provider` before `until` (ms since the epoch).
    pub fn pause(&self, provider: &str, until: i64) {
        if let Some(pace) = self.providers.lock().expect("no panic while pacing").get_mut(provider) {
            pace.paused_until = pace.paused_until.max(until);
        }
    }

    /// What the other replicas said at the last heartbeat: how many share
    /// each rate, and which providers are paused.
    pub fn coordinate(&self, replicas: u32, pauses: &[(String, i64)]) {
        *self.replicas.lock().expect("no panic while pacing") = replicas.max(1);
        for (provider, until) in pauses {
            self.pause(provider, *until);
        }
    }
}

/// How long a message of `segments` holds a provider paced at `rate`
/// segments a second shared by `replicas`, in milliseconds.
fn turn_ms(segments: u32, rate: f64, replicas: f64) -> f64 {
    f64::from(segments.max(1)) * 1000.0 / (rate / replicas)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacing(rate: &str) -> Pacing {
        let config = SendingConfig::parse(
            "t.toml",
            &format!("[providers.p]\napi = \"clickatell\"\napi_key_env = \"K\"\n{rate}"),
            |_| Some("k".into()),
        )
        .unwrap();
        Pacing::new(&config)
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn segments_take_turns_at_the_rate() {
        let p = pacing("rate = 10");
        // 10 segments a second: a 1-part message every 100 ms, a 3-part one takes 300 ms.
        assert_eq!(p.reserve("p", 1, 0, SECOND), Ok(Duration::ZERO));
        assert_eq!(p.reserve("p", 3, 0, SECOND), Ok(Duration::from_millis(100)));
        assert_eq!(p.reserve("p", 1, 0, SECOND), Ok(Duration::from_millis(400)));
        // Later than the turn: at once.
        assert_eq!(p.reserve("p", 1, 2_000, SECOND), Ok(Duration::ZERO));
        // A turn further off than the longest wait is not taken.
        for _ in 0..10 {
            p.reserve("p", 1, 2_000, SECOND).unwrap();
        }
        assert_eq!(p.reserve("p", 1, 2_000, SECOND), Err(Duration::from_millis(1_100)));
        assert_eq!(
            p.reserve("p", 1, 2_000, SECOND),
            Err(Duration::from_millis(1_100)),
            "nothing taken"
        );
    }

    #[test]
    fn only_what_the_rates_take_soon_is_claimed() {
        let p = pacing("rate = 10");
        assert_eq!(p.capacity(Duration::from_secs(2)), Some(20));
        p.coordinate(4, &[]);
        assert_eq!(p.capacity(Duration::from_secs(2)), Some(5));
        assert_eq!(pacing("").capacity(Duration::from_secs(2)), None, "no rate, no limit");
    }

    #[test]
    fn replicas_share_the_rate_and_a_pause_holds_everything() {
        let p = pacing("rate = 10");
        p.coordinate(2, &[]);
        assert_eq!(p.reserve("p", 1, 0, SECOND), Ok(Duration::ZERO));
        assert_eq!(
            p.reserve("p", 1, 0, SECOND),
            Ok(Duration::from_millis(200)),
            "5 a second each"
        );
        let unpaced = pacing("");
        unpaced.coordinate(1, &[("p".into(), 5_000)]);
        assert_eq!(unpaced.reserve("p", 1, 4_500, SECOND), Ok(Duration::from_millis(500)));
        assert_eq!(
            unpaced.reserve("p", 1, 1_000, SECOND),
            Err(Duration::from_millis(4_000))
        );
        assert_eq!(unpaced.reserve("p", 1, 6_000, SECOND), Ok(Duration::ZERO));
    }
}
