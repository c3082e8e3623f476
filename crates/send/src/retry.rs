//! Trying a request again: exponential backoff with jitter, the provider's
//! `Retry-After` honoured, a bounded number of attempts.

use std::future::Future;
use std::time::Duration;

use crate::gateway::Failure;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait before the second attempt; it doubles for each further one.
    pub base_delay: Duration,
    /// The longest wait between attempts, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based): half the
    /// exponential delay plus a random part of the other half ("equal
    /// jitter", so that many senders do not retry in step), and never less
    /// than the provider's `Retry-After`; both capped at `max_delay`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exponential = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_delay);
        let half = exponential / 2;
        let jittered = half + half.mul_f64(fastrand::f64());
        jittered.max(retry_after.unwrap_or_default()).min(self.max_delay)
    }

    /// Runs `attempt` until it succeeds, fails for good, or the attempts run
    /// out; returns the last failure then. `on_retry` hears of each wait.
    pub async fn run<T, F, Fut>(
        &self,
        mut attempt: F,
        mut on_retry: impl FnMut(&Failure, Duration),
    ) -> Result<T, Failure>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let mut number = 1;
        loop {
            match attempt().await {
                Err(failure) if failure.retryable && number < self.max_attempts.max(1) => {
                    let wait = self.delay(number, failure.retry_after);
                    on_retry(&failure, wait);
                    tokio::time::sleep(wait).await;
                    number += 1;
                }
                result => return result,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(2),
    };

    #[test]
    fn delays_double_with_jitter_and_stay_capped() {
        for _ in 0..200 {
            for (attempt, full) in [(1, 100), (2, 200), (3, 400), (10, 2000)] {
                let delay = POLICY.delay(attempt, None);
                let full = Duration::from_millis(full);
                assert!(delay >= full / 2 && delay <= full, "attempt {attempt}: {delay:?}");
            }
        }
    }

    #[test]
    fn retry_after_is_a_floor_under_the_cap() {
        assert_eq!(POLICY.delay(1, Some(Duration::from_secs(1))), Duration::from_secs(1));
        assert_eq!(POLICY.delay(1, Some(Duration::from_secs(3600))), POLICY.max_delay);
    }

    fn failure(retryable: bool) -> Failure {
        Failure {
            message: "x".into(),
            retryable,
            retry_after: Some(Duration::ZERO),
            maybe_sent: false,
            throttled: false,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn stops_after_max_attempts_and_at_a_final_failure() {
        let mut calls = 0;
        let mut waits = 0;
        let result: Result<(), _> = POLICY
            .run(
                || {
                    calls += 1;
                    async { Err(failure(true)) }
                },
                |_, _| waits += 1,
            )
            .await;
        assert!(result.is_err());
        assert_eq!((calls, waits), (4, 3));

        let mut calls = 0;
        let result: Result<(), _> = POLICY
            .run(
                || {
                    calls += 1;
                    async { Err(failure(false)) }
                },
                |_, _| {},
            )
            .await;
        assert!(result.is_err());
        assert_eq!(calls, 1);
    }
}
