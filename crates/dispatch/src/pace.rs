//! Pacing: a provider's `rate` is in SMS segments per second (what
//! providers bill and throttle by), shared by the replicas that run
//! (each sends at most its share), and a provider that answered 429 gets
//! nothing from any replica until its `Retry-After` has passed.
//!
//! Each provider keeps a schedule: a message of `n` segments moves the
//! next turn `n / rate` seconds on. Messages to one provider pass a gate
//! one at a time and wait at it for their turn; the durable record of the
//! attempt is written during that wait, so that its varying duration does
//! not come between the turn and the request. A message whose turn is
//! further off than the longest wait goes back to the queue, due then, so
//! that no claim is held through a long wait. A late wake-up on a busy
//! machine moves the schedule on only by what is more than a tenth of a
//! second late: the next messages catch up that much, so that the rate is
//! kept on a busy machine, and no more, so that they do not go in a burst.
//!
//! A 429 means the provider counted more than its limit all the same (it
//! counts by its own clock, and requests bunch on the way): besides the
//! pause, the provider's rate goes down by a twentieth at each new 429 (to
//! half at most) and comes back by a hundredth every ten seconds without
//! one, so that a busy network does not earn a 429 every few seconds.

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
    /// The share of `rate` used since the last 429 (see [`Pace::rate_at`]).
    slowdown: f64,
    /// When that 429 came, ms since the epoch.
    slowed_at: i64,
}

/// How far behind its schedule a provider may fall and catch up, in ms.
const CATCH_UP_MS: f64 = 100.0;

/// The rate's share lost at each new 429, and the least share kept.
const SLOWDOWN_STEP: f64 = 0.05;
const SLOWDOWN_FLOOR: f64 = 0.5;
/// The share won back every [`RECOVERY_MS`] without a 429.
const RECOVERY_STEP: f64 = 0.01;
const RECOVERY_MS: f64 = 10_000.0;

impl Pace {
    /// The rate (all replicas together) at `now`, ms since the epoch.
    fn rate_at(&self, now: i64) -> Option<f64> {
        let recovered = (now - self.slowed_at).max(0) as f64 / RECOVERY_MS * RECOVERY_STEP;
        self.rate.map(|rate| rate * (self.slowdown + recovered).min(1.0))
    }
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
                    slowdown: 1.0,
                    slowed_at: 0,
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

    /// Waits for the turn of a message of `segments` to `provider`, doing
    /// `prepare` (given the planned time, ms since the epoch) meanwhile:
    /// `Ok` with what `prepare` gave once the message may go, or
    /// `Err(wait)` at once when its turn is more than `max_wait` away
    /// (then nothing is taken and `prepare` is not run).
    ///
    /// For a paced provider `prepare` runs inside the turn, so that the
    /// time it takes (a durable write) does not come between the turn and
    /// the request, where it would vary from message to message and bunch
    /// requests at the provider.
    pub async fn turn<T, F>(
        &self,
        provider: &str,
        segments: u32,
        max_wait: Duration,
        prepare: impl FnOnce(i64) -> F,
    ) -> Result<T, Duration>
    where
        F: Future<Output = T>,
    {
        let Some(gate) = self.gates.get(provider) else {
            return Ok(prepare(now_ms()).await);
        };
        let one_at_a_time = gate.lock().await;
        let now = now_ms();
        let (wait, paced) = self.reserve(provider, segments, now, max_wait)?;
        let planned = now.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
        if !paced {
            // Only a pause to wait for: other messages need not queue behind this one.
            tokio::time::sleep(wait).await;
            drop(one_at_a_time);
            return Ok(prepare(planned).await);
        }
        let (prepared, ()) = tokio::join!(prepare(planned), tokio::time::sleep(wait));
        // A 429 that came in meanwhile (to the message before) holds this one too.
        let paused_for = self.paused_until(provider).saturating_sub(now_ms());
        if paused_for > 0 {
            tokio::time::sleep(Duration::from_millis(paused_for.unsigned_abs())).await;
        }
        let at = now_ms();
        if at > planned {
            self.went_late(provider, segments, at);
        }
        Ok(prepared)
    }

    /// Until when `provider` is paused (ms since the epoch).
    fn paused_until(&self, provider: &str) -> i64 {
        let providers = self.providers.lock().expect("no panic while pacing");
        providers.get(provider).map_or(0, |pace| pace.paused_until)
    }

    /// After a message of `segments` went at `at`, later than planned: the
    /// next turn is `segments / rate` after `at`, less what may be caught up.
    fn went_late(&self, provider: &str, segments: u32, at: i64) {
        let replicas = f64::from((*self.replicas.lock().expect("no panic while pacing")).max(1));
        if let Some(pace) = self.providers.lock().expect("no panic while pacing").get_mut(provider)
            && let Some(rate) = pace.rate_at(at)
        {
            let from_then = at as f64 + turn_ms(segments, rate, replicas) - CATCH_UP_MS;
            pace.next_free = pace.next_free.max(from_then);
        }
    }

    /// Takes the turn of a message of `segments` to `provider` at `now`
    /// (ms since the epoch) if it comes within `max_wait`: `Ok(wait,
    /// paced)`, and the message goes after `wait` (`paced`: the provider
    /// has a rate); else `Err(wait)`, nothing taken, and the message
    /// should be tried again after `wait`.
    fn reserve(
        &self,
        provider: &str,
        segments: u32,
        now: i64,
        max_wait: Duration,
    ) -> Result<(Duration, bool), Duration> {
        let replicas = f64::from((*self.replicas.lock().expect("no panic while pacing")).max(1));
        let mut providers = self.providers.lock().expect("no panic while pacing");
        let Some(pace) = providers.get_mut(provider) else {
            return Ok((Duration::ZERO, false));
        };
        let now_f = now as f64;
        let start = pace.next_free.max(now_f).max(pace.paused_until as f64);
        let rate = pace.rate_at(now);
        let wait = Duration::from_secs_f64(((start - now_f) / 1000.0).max(0.0));
        if wait > max_wait {
            return Err(wait);
        }
        if let Some(rate) = rate {
            pace.next_free = start + turn_ms(segments, rate, replicas);
        }
        Ok((wait, rate.is_some()))
    }

    /// How many messages the providers can take within `within` at their
    /// rates as they are now (slowed after a 429; each message at least one segment), when every provider has
    /// a rate; `None` when one may take any number.
    pub fn capacity(&self, within: Duration) -> Option<usize> {
        let replicas = f64::from((*self.replicas.lock().expect("no panic while pacing")).max(1));
        let providers = self.providers.lock().expect("no panic while pacing");
        let now = now_ms();
        let mut total = 0.0;
        for pace in providers.values() {
            total += pace.rate_at(now)? / replicas * within.as_secs_f64();
        }
        Some((total.ceil() as usize).max(1))
    }

    /// Nothing goes to `provider` before `until` (ms since the epoch): it
    /// answered 429, here or at another replica. A new pause also slows it down.
    pub fn pause(&self, provider: &str, until: i64) {
        if let Some(pace) = self.providers.lock().expect("no panic while pacing").get_mut(provider)
            && until > pace.paused_until
        {
            let now = now_ms();
            let current = pace.rate_at(now).zip(pace.rate).map_or(1.0, |(now, full)| now / full);
            pace.slowdown = (current - SLOWDOWN_STEP).max(SLOWDOWN_FLOOR);
            pace.slowed_at = now;
            pace.paused_until = until;
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

    /// The wait of a message of `segments` at `now`, waiting at most a second.
    fn wait(p: &Pacing, segments: u32, now: i64) -> Result<Duration, Duration> {
        p.reserve("p", segments, now, SECOND).map(|(wait, _)| wait)
    }

    #[test]
    fn segments_take_turns_at_the_rate() {
        let p = pacing("rate = 10");
        // 10 segments a second: a 1-part message every 100 ms, a 3-part one takes 300 ms.
        assert_eq!(wait(&p, 1, 0), Ok(Duration::ZERO));
        assert_eq!(wait(&p, 3, 0), Ok(Duration::from_millis(100)));
        assert_eq!(wait(&p, 1, 0), Ok(Duration::from_millis(400)));
        // Later than the turn: at once.
        assert_eq!(wait(&p, 1, 2_000), Ok(Duration::ZERO));
        // A turn further off than the longest wait is not taken.
        for _ in 0..10 {
            wait(&p, 1, 2_000).unwrap();
        }
        assert_eq!(wait(&p, 1, 2_000), Err(Duration::from_millis(1_100)));
        assert_eq!(wait(&p, 1, 2_000), Err(Duration::from_millis(1_100)), "nothing taken");
    }

    #[test]
    fn a_late_message_is_caught_up_by_a_tenth_of_a_second_at_most() {
        let p = pacing("rate = 10");
        assert_eq!(wait(&p, 1, 0), Ok(Duration::ZERO), "the next at 100");
        // It went at 500: the next at 600, less the 100 that may be caught up.
        p.went_late("p", 1, 500);
        assert_eq!(wait(&p, 1, 450), Ok(Duration::from_millis(50)));
        // Late by less than that: the schedule stands (the next at 600).
        p.went_late("p", 1, 520);
        assert_eq!(wait(&p, 1, 520), Ok(Duration::from_millis(80)));
    }

    #[test]
    fn each_new_429_slows_the_provider_down_until_it_recovers() {
        let p = pacing("rate = 20");
        let rate = |after: i64| {
            let providers = p.providers.lock().unwrap();
            let pace = &providers["p"];
            pace.rate_at(pace.slowed_at + after).unwrap()
        };
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        p.pause("p", 1);
        assert!(near(rate(0), 19.0), "{}", rate(0));
        p.pause("p", 1);
        assert!(near(rate(0), 19.0), "the same pause, heard again: no further slowdown");
        p.pause("p", 2);
        assert!(near(rate(0), 18.0), "{}", rate(0));
        assert!(near(rate(30_000), 18.6), "{}", rate(30_000));
        assert!(near(rate(200_000), 20.0), "back to the full rate");
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
        assert_eq!(wait(&p, 1, 0), Ok(Duration::ZERO));
        assert_eq!(wait(&p, 1, 0), Ok(Duration::from_millis(200)), "5 a second each");
        let unpaced = pacing("");
        unpaced.coordinate(1, &[("p".into(), 5_000)]);
        assert_eq!(wait(&unpaced, 1, 4_500), Ok(Duration::from_millis(500)));
        assert_eq!(wait(&unpaced, 1, 1_000), Err(Duration::from_millis(4_000)));
        assert_eq!(wait(&unpaced, 1, 6_000), Ok(Duration::ZERO));
    }
}
