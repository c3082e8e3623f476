//! What every backend promises: the [`Store`] trait, and the values it
//! takes and gives (a callback to commit, what a commit stored, the errors).
//! The backends implement it; nothing here knows which backend runs.

use std::time::Duration;

use async_trait::async_trait;
use smsgate_normalize::views::{
    DeadLetterView, DeliveryStats, EventsPage, InboundPage, MessageView, MessagesPage, OptOutView, OutboundPage,
    OutboundView, QuarantinedRequest, ReplayView,
};
use smsgate_normalize::{InboundMessage, Provider, Status, StatusEvent};

use crate::exports::{ExportProgress, ExportRecord, HeldExport};
use crate::outbox::{
    AttemptEnd, AttemptRef, Claim, ClaimedOutbound, Coordination, Enqueued, NewAttempt, NewOutbound, Settle,
};
use crate::search::{DeliveryWindow, MessageSearch};
use crate::stats::CommitStats;

/// An authenticated callback request as it arrived, secret removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    pub provider: Provider,
    pub method: String,
    pub path: String,
    /// The query string without the callback secret.
    pub query: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Milliseconds since the epoch.
    pub received_at: i64,
}

/// A stored raw request that was quarantined, as it arrived (secret
/// removed), for re-parsing with the current code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRequest {
    pub id: i64,
    pub provider: Provider,
    pub method: String,
    pub path: String,
    /// The query string without the callback secret.
    pub query: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Milliseconds since the epoch.
    pub received_at: i64,
    /// Why it was quarantined.
    pub error: String,
}

/// What was made of a request's body.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Events {
        status: Vec<StatusEvent>,
        inbound: Vec<InboundMessage>,
    },
    /// The body could not be parsed at all; kept raw with the reason.
    Quarantined { error: String },
}

/// One callback to commit: the raw request and what was parsed from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingest {
    pub raw: RawRequest,
    pub parsed: Parsed,
}

/// What one committed ingest stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestOutcome {
    pub status_events_stored: usize,
    pub inbound_stored: usize,
    /// Events already stored before (provider retries).
    pub duplicates: usize,
    pub quarantined: bool,
}

/// Why a store call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The store cannot commit now (locked, down, full, read-only); the
    /// caller answers 503 so that the provider retries.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A feed cursor this store did not hand out.
    #[error("bad cursor `{0}`: pass a next_cursor value from an earlier page")]
    BadCursor(String),
    /// Anything else: retrying the same call changes nothing.
    #[error("store error: {0}")]
    Other(String),
}

/// A message a provider accepted from us (`smsgate send`), recorded so
/// that the message's timeline starts at its submission.
///
/// It is stored like a callback: a raw record (the request we made:
/// method, provider path, and a JSON body of what was submitted, without
/// the text; `received_at` is the submission time) and an `accepted` status
/// event with raw status `submitted`, so it goes through the same dedup,
/// status compare-and-set and feed as every other event, on both backends.
/// Its precedence is `accepted`'s: a delivery report that arrived before the
/// submission was recorded keeps the message's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub provider: Provider,
    pub message_id: String,
    pub to: String,
    pub from: Option<String>,
    pub client_message_id: Option<String>,
    /// When the provider accepted it, milliseconds since the epoch.
    pub submitted_at: i64,
    /// The request that submitted it, e.g. `POST` `/messages`.
    pub method: String,
    pub path: String,
}

impl Submission {
    /// The raw status of a submission's event.
    pub const RAW_STATUS: &str = "submitted";

    fn into_ingest(self) -> Ingest {
        let body = serde_json::json!({
            "message_id": self.message_id,
            "to": self.to,
            "from": self.from,
            "client_message_id": self.client_message_id,
            "submitted_at": self.submitted_at,
        });
        let event = StatusEvent {
            provider: self.provider,
            // One submission per message: recording it again is a duplicate.
            dedup_key: format!("{}:{}", Self::RAW_STATUS, self.message_id),
            message_id: self.message_id,
            client_message_id: self.client_message_id,
            to: Some(self.to),
            from: self.from,
            status: Status::Accepted,
            raw_status: Some(Self::RAW_STATUS.to_string()),
            raw_code: None,
            description: None,
            occurred_at: Some(self.submitted_at),
            channel: None,
        };
        Ingest {
            raw: RawRequest {
                provider: self.provider,
                method: self.method,
                path: self.path,
                query: None,
                content_type: Some("application/json".into()),
                body: body.to_string().into_bytes(),
                received_at: self.submitted_at,
            },
            parsed: Parsed::Events {
                status: vec![event],
                inbound: Vec::new(),
            },
        }
    }
}

/// Group commit: how many concurrent ingests may share one transaction (and
/// one flush to disk), and how long the writer may wait to gather them.
/// Both backends take them (`--commit-batch`, `--commit-wait-us`).
///
/// The default wait differs by backend, as measured with `cargo xtask bench
/// ingest` (64 connections): SQLite commits at once whatever is queued
/// (its one writer is busy with a batch while the next one gathers by
/// itself; a 2 ms wait cost a fifth of the throughput), while PostgreSQL,
/// whose batches run four at a time, does better gathering for 2 ms (at
/// once, its batches stay small and each one takes the serial feed lock:
/// throughput fell by a fifth and CPU per callback rose by half).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitOptions {
    /// Most ingests committed in one transaction (at least 1).
    pub commit_batch: usize,
    /// Longest the writer waits for more ingests once it has one, before
    /// committing what it has (zero: commit whatever is already queued).
    pub commit_wait: Duration,
}

impl CommitOptions {
    pub const DEFAULT_COMMIT_BATCH: usize = 64;
    /// SQLite's default wait: none.
    pub const DEFAULT_SQLITE_COMMIT_WAIT: Duration = Duration::ZERO;
    /// PostgreSQL's default wait.
    pub const DEFAULT_POSTGRES_COMMIT_WAIT: Duration = Duration::from_millis(2);

    /// The defaults of the backend `url` names (SQLite's for anything else).
    pub fn defaults_for(url: &str) -> CommitOptions {
        CommitOptions {
            commit_batch: Self::DEFAULT_COMMIT_BATCH,
            commit_wait: if names_postgres(url) {
                Self::DEFAULT_POSTGRES_COMMIT_WAIT
            } else {
                Self::DEFAULT_SQLITE_COMMIT_WAIT
            },
        }
    }
}

/// Whether a database URL names a PostgreSQL database (`postgres://` or
/// `postgresql://`); anything else is SQLite's or unsupported.
pub(crate) fn names_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The embedded default's: SQLite's.
impl Default for CommitOptions {
    fn default() -> Self {
        CommitOptions {
            commit_batch: Self::DEFAULT_COMMIT_BATCH,
            commit_wait: Self::DEFAULT_SQLITE_COMMIT_WAIT,
        }
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Commits the raw request and its events in one transaction. Duplicate
    /// events are not stored again; the raw request always is.
    async fn ingest(&self, ingest: Ingest) -> Result<IngestOutcome, StoreError>;

    /// An outbound message with its events in provider-time order.
    async fn message(&self, provider: Provider, message_id: &str) -> Result<Option<MessageView>, StoreError>;

    /// Outbound messages matching `search`, newest first (by
    /// `first_seen_at`, then provider and message id), a page of
    /// `search.limit` at a time; [`StoreError::BadCursor`] for an `after`
    /// this store never handed out.
    async fn search_messages(&self, search: MessageSearch) -> Result<MessagesPage, StoreError>;

    /// Delivery figures per provider over `window`, in total and per
    /// bucket: counts by status, delivery rate, latency percentiles
    /// (computed by the database; see `search.rs`).
    async fn delivery_stats(&self, window: DeliveryWindow) -> Result<DeliveryStats, StoreError>;

    /// Stored events after `after` (from the start when `None`), in commit order.
    async fn events(&self, after: Option<&str>, limit: usize) -> Result<EventsPage, StoreError>;

    /// Inbound messages after `after`, in commit order.
    async fn inbound(&self, after: Option<&str>, limit: usize) -> Result<InboundPage, StoreError>;

    /// Quarantined requests, oldest first.
    async fn quarantined(&self) -> Result<Vec<QuarantinedRequest>, StoreError>;

    /// Quarantined raw requests with their bodies as bytes, oldest first.
    async fn quarantined_raw(&self) -> Result<Vec<StoredRequest>, StoreError>;

    /// Stores the events now parsed from quarantined request `id` and clears
    /// its quarantine, in one transaction. The events are stored exactly as
    /// an ingest stores them (dedup, feed rows, the status compare-and-set),
    /// with the raw request's `received_at`. A request that is not (or no
    /// longer) quarantined is left alone and the outcome is all zero, so a
    /// replay that runs twice, or on two machines at once, stores nothing
    /// twice.
    async fn resolve_quarantined(
        &self,
        id: i64,
        status: Vec<StatusEvent>,
        inbound: Vec<InboundMessage>,
    ) -> Result<IngestOutcome, StoreError>;

    /// Records a submission (see [`Submission`]) through [`Store::ingest`],
    /// so both backends store it exactly as a callback's event. Returns
    /// whether it was new (false: recorded before, nothing changed).
    async fn record_submission(&self, submission: Submission) -> Result<bool, StoreError> {
        let outcome = self.ingest(submission.into_ingest()).await?;
        Ok(outcome.status_events_stored == 1)
    }

    /// The value stored under `key`, storing `value` first if there is none
    /// (used for generated secrets that must survive restarts).
    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError>;

    /// Stores a message in the outbox (see `outbox.rs`), committed and on
    /// disk before it returns, through the same group commit as
    /// [`Store::ingest`]. Under an idempotency key used before, nothing is
    /// stored: [`Enqueued::Repeat`] for the same request, else
    /// [`Enqueued::KeyReused`].
    async fn enqueue_outbound(&self, message: NewOutbound) -> Result<Enqueued, StoreError>;

    /// Claims queued messages that are due and held by nobody (or whose
    /// holder's lease lapsed): of several dispatchers, one gets each.
    async fn claim_outbound(&self, claim: Claim) -> Result<Vec<ClaimedOutbound>, StoreError>;

    /// Records `attempt` (as `uncertain`) before its request leaves, and
    /// extends the claim; `false` if `owner` no longer holds the message.
    async fn begin_attempt(&self, owner: &str, id: &str, attempt: NewAttempt) -> Result<bool, StoreError>;

    /// Records how an attempt ended (if one was made) and where the message
    /// goes next, releasing the claim; `false` if `owner` no longer held it
    /// (then only the attempt's end is recorded).
    async fn settle_outbound(
        &self,
        owner: &str,
        id: &str,
        end: Option<AttemptEnd>,
        settle: Settle,
    ) -> Result<bool, StoreError>;

    /// The outbox attempt that submitted provider message (`provider`,
    /// `message_id`): by the id its answer gave, or, for an answer that was
    /// lost, by the outbound id the provider sent back
    /// (`client_message_id`).
    async fn attempt_of(
        &self,
        provider: Provider,
        message_id: &str,
        client_message_id: Option<&str>,
    ) -> Result<Option<AttemptRef>, StoreError>;

    /// Puts accepted message `id` back in the queue for provider
    /// `provider_index` of its route, once: only while it is `accepted`,
    /// was never rerouted, and attempt `number` is still its latest.
    /// Whether it did.
    async fn reroute(&self, id: &str, number: u32, provider_index: u32, at: i64) -> Result<bool, StoreError>;

    /// A dispatcher's heartbeat at `now`: records that `owner` runs, and
    /// answers how many dispatchers were seen within `live_within` ms and
    /// which providers are paused (after a 429) past `now`.
    async fn coordinate(&self, owner: &str, now: i64, live_within: i64) -> Result<Coordination, StoreError>;

    /// No dispatcher sends to `provider` before `until` (the later of this
    /// and any pause already set).
    async fn pause_provider(&self, provider: &str, until: i64) -> Result<(), StoreError>;

    /// Stores `value` under `key`, replacing what was there.
    async fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// A message of the outbox with its attempts and events.
    async fn outbound(&self, id: &str) -> Result<Option<OutboundView>, StoreError>;

    /// Outbox messages after `after`, in acceptance order.
    async fn outbound_page(&self, after: Option<&str>, limit: usize) -> Result<OutboundPage, StoreError>;

    /// `number`'s opt-out when it is opted out (`number` in E.164): the
    /// latest of its STOP/START texts through any provider and the API's
    /// changes decides (see `opt_outs.rs`).
    async fn opt_out(&self, number: &str) -> Result<Option<OptOutView>, StoreError>;

    /// Every opted-out number, by number.
    async fn opt_outs(&self) -> Result<Vec<OptOutView>, StoreError>;

    /// Opts `number` (E.164) out (`opted_out`) or back in through the API, at `at`.
    async fn change_opt_out(&self, number: &str, opted_out: bool, at: i64) -> Result<(), StoreError>;

    /// Takes or renews the lease on export `name` for `owner` until
    /// `lease_until`, unless another owner holds it past `now`; what the
    /// export starts from when `owner` holds it, `None` when another does.
    async fn hold_export(
        &self,
        name: &str,
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<HeldExport>, StoreError>;

    /// Stores one step of export `name` in one transaction and renews the
    /// lease until `lease_until`; `false` (nothing stored) when `owner` no
    /// longer holds it.
    async fn save_export(
        &self,
        name: &str,
        owner: &str,
        lease_until: i64,
        progress: ExportProgress,
    ) -> Result<bool, StoreError>;

    /// Every export that ever ran, by name, with its lag.
    async fn exports(&self) -> Result<Vec<ExportRecord>, StoreError>;

    /// Export `name`'s dead letters, oldest event first.
    async fn dead_letters(&self, name: &str) -> Result<Vec<DeadLetterView>, StoreError>;

    /// Queues a replay of the events received from `since` to `until` for
    /// export `name`, requested at `now`.
    async fn replay_export(
        &self,
        name: &str,
        since: Option<i64>,
        until: i64,
        now: i64,
    ) -> Result<ReplayView, StoreError>;

    /// Whether the store can serve now: it answers a query, and its schema
    /// is the one this build migrates to. [`StoreError::Unavailable`] when
    /// not (the receiver's `/readyz` answers 503 then).
    async fn ready(&self) -> Result<(), StoreError>;

    /// What group commit has done since the store was opened: batches
    /// committed and the ingests in them (`/metrics` shows both).
    fn commit_stats(&self) -> CommitStats;
}

/// Ready when the schema version `found` is the one this build migrates to.
pub(crate) fn schema_ready(found: i64, expected: i64) -> Result<(), StoreError> {
    if found == expected {
        Ok(())
    } else {
        Err(StoreError::Unavailable(format!(
            "the schema is at version {found}, this build needs {expected}"
        )))
    }
}
