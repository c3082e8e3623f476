//! Where a message goes after an attempt: the rules of sending through
//! smsgate, as pure functions of what the provider answered, so that each
//! one is tested without a network.
//!
//! - accepted: done, the provider's statuses follow;
//! - refused for what the message is (invalid number, text too long): done,
//!   `rejected`; another provider would refuse it too;
//! - 5xx, 429, no connection: the same provider again after a backoff
//!   (`Retry-After` honoured), up to its `max_attempts`; then the next
//!   provider of the route; after the last one, `failed`;
//! - the key refused, or a message the provider cannot take: the next
//!   provider at once;
//! - the outcome unknown (a timeout or a connection lost after the request
//!   left, or the process stopped during the request): `uncertain`, sent
//!   nowhere else, unless the route says `on_uncertain = "failover"`.

use std::time::Duration;

use smsgate_normalize::AttemptOutcome;
use smsgate_send::Failure;
use smsgate_send::retry::RetryPolicy;
use smsgate_store::outbox::{AttemptEnd, ClaimedOutbound, OutboxState, Settle};

use crate::clock::millis;
use crate::config::{OnUncertain, ProviderConfig, RouteConfig};

/// What one request to a provider came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Accepted {
        message_id: String,
    },
    /// The provider refused the message itself.
    Rejected {
        reason: String,
    },
    /// No usable answer, or one that says nothing about the message.
    Failed(Failure),
}

/// The longest wait between attempts, `Retry-After` included.
const MAX_DELAY: Duration = Duration::from_secs(60);

/// The attempt's end and the message's next step after attempt `number`
/// of `message` through `provider` answered `answer` at `now`.
pub fn after_attempt(
    message: &ClaimedOutbound,
    route: &RouteConfig,
    provider: &ProviderConfig,
    number: u32,
    answer: Answer,
    now: i64,
) -> (AttemptEnd, Settle) {
    let end = |outcome, provider_message_id, error| AttemptEnd {
        number,
        outcome,
        provider_message_id,
        error,
    };
    match answer {
        Answer::Accepted { message_id } => (
            end(AttemptOutcome::Accepted, Some(message_id), None),
            Settle::Done {
                state: OutboxState::Accepted,
                error: None,
                at: now,
            },
        ),
        Answer::Rejected { reason } => (
            end(AttemptOutcome::Failed, None, Some(reason.clone())),
            Settle::Done {
                state: OutboxState::Rejected,
                error: Some(reason),
                at: now,
            },
        ),
        Answer::Failed(failure) if failure.maybe_sent => {
            let settle = match route.on_uncertain {
                OnUncertain::Failover if next_exists(message, route) => {
                    next_provider(message, route, &failure.message, now)
                }
                _ => Settle::Done {
                    state: OutboxState::Uncertain,
                    error: Some(format!(
                        "{}; {} may have taken the message, so it is not sent elsewhere",
                        failure.message, provider.name
                    )),
                    at: now,
                },
            };
            (end(AttemptOutcome::Uncertain, None, Some(failure.message)), settle)
        }
        Answer::Failed(failure) => {
            let tries = message.tries + 1;
            let settle = if failure.retryable && tries < provider.max_attempts {
                let policy = RetryPolicy {
                    max_attempts: provider.max_attempts,
                    base_delay: provider.retry_delay,
                    max_delay: MAX_DELAY,
                };
                Settle::Retry {
                    at: now.saturating_add(millis(policy.delay(tries, failure.retry_after))),
                    provider_index: message.provider_index,
                    tries,
                }
            } else {
                next_provider(message, route, &failure.message, now)
            };
            (end(AttemptOutcome::Failed, None, Some(failure.message)), settle)
        }
    }
}

/// The next step of a message whose last attempt was left in flight (its
/// dispatcher stopped during the request): nobody knows whether the
/// provider took it.
pub fn after_interrupted(message: &ClaimedOutbound, route: &RouteConfig, now: i64) -> Settle {
    let provider = message.attempts.last().map_or("the provider", |a| a.provider.as_str());
    let reason = format!("the dispatcher stopped while submitting it to {provider}");
    match route.on_uncertain {
        OnUncertain::Failover if next_exists(message, route) => next_provider(message, route, &reason, now),
        _ => Settle::Done {
            state: OutboxState::Uncertain,
            error: Some(format!(
                "{reason}; {provider} may have taken the message, so it is not sent elsewhere"
            )),
            at: now,
        },
    }
}

fn next_exists(message: &ClaimedOutbound, route: &RouteConfig) -> bool {
    (message.provider_index as usize + 1) < route.providers.len()
}

/// The next provider of the route at once, or `failed` after the last.
pub fn next_provider(message: &ClaimedOutbound, route: &RouteConfig, last_error: &str, now: i64) -> Settle {
    if next_exists(message, route) {
        Settle::Retry {
            at: now,
            provider_index: message.provider_index + 1,
            tries: 0,
        }
    } else {
        Settle::Done {
            state: OutboxState::Failed,
            error: Some(format!(
                "no provider of route `{}` accepted it; the last one said: {last_error}",
                route.name
            )),
            at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smsgate::ApiKey;
    use smsgate_send::Route as Api;
    use smsgate_store::outbox::ClaimedAttempt;

    fn route(on_uncertain: OnUncertain) -> RouteConfig {
        RouteConfig {
            name: "za".into(),
            prefixes: vec!["+27".into()],
            providers: vec!["primary".into(), "backup".into()],
            on_uncertain,
            reroute_on: Vec::new(),
            weights: Vec::new(),
        }
    }

    fn provider() -> ProviderConfig {
        ProviderConfig {
            name: "primary".into(),
            api: Api::Clickatell,
            base_url: "http://127.0.0.1:1".into(),
            key: ApiKey::new("k").unwrap(),
            max_attempts: 3,
            retry_delay: Duration::from_millis(100),
            timeout: Duration::from_secs(5),
            rate: None,
            breaker_failures: 5,
            breaker_cool_down: Duration::from_secs(30),
        }
    }

    fn message(provider_index: u32, tries: u32) -> ClaimedOutbound {
        ClaimedOutbound {
            id: "ob_1".into(),
            to: "+27820000001".into(),
            from: None,
            text: "hi".into(),
            route: "za".into(),
            provider_index,
            tries,
            segments: 1,
            attempts: Vec::new(),
        }
    }

    fn failure(retryable: bool, maybe_sent: bool, retry_after: Option<Duration>) -> Answer {
        Answer::Failed(Failure {
            message: "primary answered HTTP 503".into(),
            retryable,
            retry_after,
            maybe_sent,
            throttled: false,
        })
    }

    #[test]
    fn accepted_and_rejected_are_final() {
        let r = route(OnUncertain::Hold);
        let (end, settle) = after_attempt(
            &message(0, 0),
            &r,
            &provider(),
            1,
            Answer::Accepted {
                message_id: "m1".into(),
            },
            10,
        );
        assert_eq!(
            (end.outcome, end.provider_message_id.as_deref()),
            (AttemptOutcome::Accepted, Some("m1"))
        );
        assert!(matches!(
            settle,
            Settle::Done {
                state: OutboxState::Accepted,
                ..
            }
        ));
        let (end, settle) = after_attempt(
            &message(0, 0),
            &r,
            &provider(),
            1,
            Answer::Rejected {
                reason: "invalid number".into(),
            },
            10,
        );
        assert_eq!(end.outcome, AttemptOutcome::Failed);
        assert_eq!(
            settle,
            Settle::Done {
                state: OutboxState::Rejected,
                error: Some("invalid number".into()),
                at: 10
            }
        );
    }

    #[test]
    fn a_retryable_failure_waits_then_fails_over_after_max_attempts() {
        let r = route(OnUncertain::Hold);
        let (_, settle) = after_attempt(&message(0, 0), &r, &provider(), 1, failure(true, false, None), 1_000);
        let Settle::Retry {
            at,
            provider_index: 0,
            tries: 1,
        } = settle
        else {
            panic!("{settle:?}")
        };
        assert!((1_050..=1_100).contains(&at), "{at}");
        // Retry-After is a floor.
        let (_, settle) = after_attempt(
            &message(0, 1),
            &r,
            &provider(),
            2,
            failure(true, false, Some(Duration::from_secs(7))),
            1_000,
        );
        assert_eq!(
            settle,
            Settle::Retry {
                at: 8_000,
                provider_index: 0,
                tries: 2
            }
        );
        // The third failure moves to the backup at once.
        let (_, settle) = after_attempt(&message(0, 2), &r, &provider(), 3, failure(true, false, None), 1_000);
        assert_eq!(
            settle,
            Settle::Retry {
                at: 1_000,
                provider_index: 1,
                tries: 0
            }
        );
        // A refused key fails over without retrying.
        let (_, settle) = after_attempt(&message(0, 0), &r, &provider(), 1, failure(false, false, None), 1_000);
        assert_eq!(
            settle,
            Settle::Retry {
                at: 1_000,
                provider_index: 1,
                tries: 0
            }
        );
        // After the last provider: failed, saying why.
        let (_, settle) = after_attempt(&message(1, 2), &r, &provider(), 6, failure(true, false, None), 1_000);
        let Settle::Done {
            state: OutboxState::Failed,
            error: Some(error),
            ..
        } = settle
        else {
            panic!()
        };
        assert_eq!(
            error,
            "no provider of route `za` accepted it; the last one said: primary answered HTTP 503"
        );
    }

    #[test]
    fn an_unknown_outcome_is_held_unless_the_route_fails_over() {
        let (end, settle) = after_attempt(
            &message(0, 0),
            &route(OnUncertain::Hold),
            &provider(),
            1,
            failure(true, true, None),
            5,
        );
        assert_eq!(end.outcome, AttemptOutcome::Uncertain);
        assert!(
            matches!(
                settle,
                Settle::Done {
                    state: OutboxState::Uncertain,
                    ..
                }
            ),
            "{settle:?}"
        );
        let (_, settle) = after_attempt(
            &message(0, 0),
            &route(OnUncertain::Failover),
            &provider(),
            1,
            failure(true, true, None),
            5,
        );
        assert_eq!(
            settle,
            Settle::Retry {
                at: 5,
                provider_index: 1,
                tries: 0
            }
        );
        // With no provider left, it stays uncertain rather than failed: it may have gone.
        let (_, settle) = after_attempt(
            &message(1, 0),
            &route(OnUncertain::Failover),
            &provider(),
            2,
            failure(true, true, None),
            5,
        );
        assert!(
            matches!(
                settle,
                Settle::Done {
                    state: OutboxState::Uncertain,
                    ..
                }
            ),
            "{settle:?}"
        );
    }

    #[test]
    fn an_interrupted_attempt_is_never_repeated_on_its_provider() {
        let mut interrupted = message(0, 0);
        interrupted.attempts.push(ClaimedAttempt {
            number: 1,
            provider: "primary".into(),
            outcome: AttemptOutcome::Uncertain,
        });
        let settle = after_interrupted(&interrupted, &route(OnUncertain::Hold), 9);
        let Settle::Done {
            state: OutboxState::Uncertain,
            error: Some(error),
            ..
        } = settle
        else {
            panic!()
        };
        assert!(
            error.starts_with("the dispatcher stopped while submitting it to primary"),
            "{error}"
        );
        assert_eq!(
            after_interrupted(&interrupted, &route(OnUncertain::Failover), 9),
            Settle::Retry {
                at: 9,
                provider_index: 1,
                tries: 0
            }
        );
    }
}
