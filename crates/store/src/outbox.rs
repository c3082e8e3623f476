//! The outbox: messages sent through smsgate (`/v1/outbound`), what the
//! store takes and gives for them, and how a message's view is put together
//! from its rows, once for both backends.
//!
//! A message is a row of `outbound` with a `state` (`queued`, `accepted`,
//! `uncertain`, `failed`, `rejected`) and one row per submission attempt in
//! `outbound_attempts`. The dispatcher moves it: it *claims* queued messages
//! (a lease, so that of several replicas one sends each message, and a
//! replica that dies leaves it to the others), records an attempt *before*
//! its request leaves (as `uncertain`: if the process dies during the
//! request, nobody can tell whether the provider took it), and *settles*
//! the attempt and the message after the answer, either for good or back
//! to `queued` with a time to try again.
//!
//! Provider statuses are not copied into the outbox: a message's status is
//! read from the provider message(s) it is linked to, found by the
//! attempts' provider message ids or by the outbound id the provider sends
//! back as the client message id (so a callback links a message whose
//! submit answer was lost). The callback path thus writes nothing more per
//! callback, and the outbound status follows the provider status with the
//! same precedence.

use std::time::Duration;

use smsgate_normalize::{AttemptOutcome, Provider};

/// A message to store in the outbox, as `POST /v1/outbound` accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbound {
    pub id: String,
    pub to: String,
    pub from: Option<String>,
    pub text: String,
    pub reference: Option<String>,
    pub route: String,
    pub segments: u32,
    pub idempotency_key: Option<String>,
    /// A digest of the request, to tell a repeat from another request
    /// under the same idempotency key.
    pub request_hash: String,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// `Some(reason)`: stored as `rejected` at once, never dispatched.
    pub rejected: Option<String>,
}

/// What storing a [`NewOutbound`] came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    /// Stored now, under this id.
    New(String),
    /// The idempotency key was used before with the same request: the
    /// message stored then, untouched.
    Repeat(String),
    /// The idempotency key was used before with another request.
    KeyReused,
}

/// A message's state in the outbox (the `state` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting for (another) attempt.
    Queued,
    /// A provider took it.
    Accepted,
    /// It may have reached a provider; not sent again.
    Uncertain,
    /// No provider of its route took it.
    Failed,
    /// Refused for what the message is (smsgate's checks or a provider's).
    Rejected,
}

impl OutboxState {
    pub const ALL: [OutboxState; 5] = [
        OutboxState::Queued,
        OutboxState::Accepted,
        OutboxState::Uncertain,
        OutboxState::Failed,
        OutboxState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Accepted => "accepted",
            OutboxState::Uncertain => "uncertain",
            OutboxState::Failed => "failed",
            OutboxState::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<OutboxState> {
        OutboxState::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// A request for queued messages that are due.
#[derive(Debug, Clone)]
pub struct Claim {
    /// Who claims (unique per dispatcher, e.g. host, process and start time).
    pub owner: String,
    /// Milliseconds since the epoch.
    pub now: i64,
    /// How long the claim holds if its owner goes silent.
    pub lease: Duration,
    pub limit: usize,
}

impl Claim {
    /// When the claim lapses.
    pub fn lease_until(&self) -> i64 {
        self.now
            .saturating_add(i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A claimed message: what the dispatcher needs to send it and to know
/// where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedOutbound {
    pub id: String,
    pub to: String,
    pub from: Option<String>,
    pub text: String,
    pub route: String,
    /// Which provider of the route is next (0 for the first).
    pub provider_index: u32,
    /// Attempts made so far on that provider.
    pub tries: u32,
    /// SMS parts its text takes (what a provider's rate counts).
    pub segments: u32,
    /// Every attempt so far, oldest first.
    pub attempts: Vec<ClaimedAttempt>,
}

/// An earlier attempt of a claimed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedAttempt {
    pub number: u32,
    pub provider: String,
    pub outcome: AttemptOutcome,
}

/// An attempt about to be made: recorded as `uncertain` before the
/// request leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttempt {
    /// 1 for the first attempt of the message.
    pub number: u32,
    /// The configured provider name.
    pub provider: String,
    /// The provider API (`clickatell`, `clickatell-http`, `clearline`).
    pub api: String,
    /// Whose callbacks will be about it.
    pub provider_id: Provider,
    pub submitted_at: i64,
    /// The claim is extended to this time, to cover the request.
    pub lease_until: i64,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptEnd {
    pub number: u32,
    pub outcome: AttemptOutcome,
    pub provider_message_id: Option<String>,
    pub error: Option<String>,
}

/// Where a claimed message goes next; its claim is released either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    /// Back to `queued`, due at `at`, to `provider_index` of its route
    /// with `tries` attempts made there.
    Retry { at: i64, provider_index: u32, tries: u32 },
    /// Done: `state` is not `queued`.
    Done {
        state: OutboxState,
        error: Option<String>,
        at: i64,
    },
}

/// The attempt that submitted a provider message, found from that
/// message's status event (to reroute its outbound message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRef {
    /// The outbound id.
    pub id: String,
    pub route: String,
    pub number: u32,
    /// The configured provider name.
    pub provider: String,
}

/// What the dispatchers of all replicas share, read at each heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coordination {
    /// Dispatchers seen lately, this one included.
    pub replicas: u32,
    /// Providers no one sends to until the given time (ms since the epoch).
    pub pauses: Vec<(String, i64)>,
}
