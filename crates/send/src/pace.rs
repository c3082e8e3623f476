//! `--rate N`: at most N messages a second, spread evenly (a batch of k
//! messages uses k slots), so that a provider's rate limit is never hit in
//! bursts.

use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub struct Pacer {
    /// Time per message.
    interval: Duration,
    /// When the next request may go.
    next: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid rate {0}: expected messages per second, a number above 0 (e.g. 10 or 0.5)")]
pub struct BadRate(pub f64);

impl Pacer {
    pub fn per_second(rate: f64) -> Result<Pacer, BadRate> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(BadRate(rate));
        }
        Ok(Pacer {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: None,
        })
    }

    /// Waits until a request of `messages` messages may go, and books its slots.
    pub async fn wait(&mut self, messages: usize) {
        let now = Instant::now();
        let at = self.next.map_or(now, |next| next.max(now));
        tokio::time::sleep_until(at).await;
        self.next = Some(at + self.interval.saturating_mul(messages as u32));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On tokio's paused clock, so the times are exact and never flaky.
    #[tokio::test(start_paused = true)]
    async fn spreads_messages_evenly_and_counts_a_batch_per_message() {
        let start = Instant::now();
        let mut pacer = Pacer::per_second(4.0).unwrap();
        let mut sent_at = Vec::new();
        for messages in [1, 1, 3, 1] {
            pacer.wait(messages).await;
            sent_at.push(start.elapsed());
        }
        let ms = |n| Duration::from_millis(n);
        assert_eq!(sent_at, [ms(0), ms(250), ms(500), ms(1250)]);
    }

    #[test]
    fn refuses_rates_that_are_not_positive() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(Pacer::per_second(bad).is_err(), "{bad}");
        }
    }
}
