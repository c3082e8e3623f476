//! The PostgreSQL backend, for several receiver replicas sharing one
//! database (`--database postgres://user@host/db`).
//!
//! Connections come from a deadpool pool (no TLS: `NoTls`). Every connection
//! runs with a server-side `statement_timeout`, connecting has a timeout, the
//! pool has wait/create/recycle timeouts, and every store call as a whole has
//! a deadline, so a PostgreSQL that is down or slow gives
//! [`StoreError::Unavailable`] (503 + Retry-After) rather than a hang. Broken
//! connections are dropped by the pool and new ones made on the next call, so
//! the receiver recovers by itself when the server comes back.
//!
//! Ingests are group-committed (`postgres/group_commit.rs`): concurrent
//! ones share one transaction, written with one multi-row statement per
//! table (`postgres/batch.rs`), and each is answered only once that
//! transaction's COMMIT has returned.
//!
//! The semantics are SQLite's (see `sqlite.rs`):
//! - dedup by the unique constraints `(provider, dedup_key)` and
//!   `(provider, message_id)`, which hold across replicas (a concurrent
//!   insert of the same key waits for the other transaction, then does
//!   nothing if it committed), and inside a batch before it is written;
//! - a message's status moves by SQLite's compare-and-set upsert
//!   (`sqlite/ingest.rs`) on `status_key` (`COLLATE "C"`). Its `status_at`
//!   subquery reads the stored events, and under READ COMMITTED a statement
//!   only sees what committed before it started; so each transaction first
//!   takes a transaction-level advisory lock on the message (in a statement
//!   of its own), and the upsert that follows sees every event of every
//!   transaction that held the lock before. The last one to update a message
//!   therefore sees all its events. A transaction takes its locks in one
//!   global order (by lock key, all in one statement), then inserts inbound
//!   messages in `(provider, message_id)` order, then takes the feed lock:
//!   every wait follows that order, so two transactions cannot deadlock;
//! - the feed: commit-ordered positions under the feed lock (`locks.rs`).
//!
//! This file is the store type and its [`Store`] implementation; the rest
//! is a submodule each: `open` (settings, pool, migrations), `locks` (the
//! advisory locks), `group_commit` and `batch` (the writes), `queries` (the
//! reads), `errors` (which failures are worth a retry).

mod batch;
mod errors;
mod exports;
mod group_commit;
mod locks;
mod open;
mod opt_outs;
mod outbox;
mod queries;
mod search;
mod tls;

use std::time::Duration;

use deadpool_postgres::Pool;
use smsgate_normalize::views::{
    DeadLetterView, DeliveryStats, EventsPage, InboundPage, MessageView, MessagesPage, OptOutView, OutboundPage,
    OutboundView, QuarantinedRequest, ReplayView,
};
use smsgate_normalize::{InboundMessage, Provider, StatusEvent};

use self::errors::{get, pg_error, pool_error, within};
pub use self::open::PostgresOptions;
use crate::contract::{Ingest, IngestOutcome, Store, StoreError, StoredRequest, schema_ready};
use crate::exports::{ExportProgress, ExportRecord, HeldExport};
use crate::opt_outs::api_change;
use crate::outbox::{
    AttemptEnd, AttemptRef, Claim, ClaimedOutbound, Coordination, Enqueued, NewAttempt, NewOutbound, Settle,
};
use crate::page::FeedCursor;
use crate::search::{DeliveryWindow, MessageSearch};
use crate::search_sql;
use crate::stats::CommitStats;

/// The PostgreSQL [`Store`], one per receiver replica (see the module
/// docs).
pub struct PostgresStore {
    pool: Pool,
    call_timeout: Duration,
    /// The first key of message locks (see `locks.rs`).
    message_lock_class: i32,
    /// Where ingests wait for their batch.
    group: group_commit::GroupCommit,
}

impl PostgresStore {
    /// The statement that takes the feed lock in the current transaction
    /// (why there is one: see the module docs of `postgres/locks.rs`);
    /// public so that tests can act as a slow writer.
    pub const TAKE_FEED_LOCK: &str = locks::TAKE_FEED_LOCK;

    /// Connects to the database `url` names (`postgres://user@host/db`) and
    /// runs the migrations it lacks.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::open_with(url, PostgresOptions::default()).await
    }

    pub async fn open_with(url: &str, options: PostgresOptions) -> Result<PostgresStore, StoreError> {
        if options.commit.commit_batch == 0 {
            return Err(StoreError::Other("commit_batch must be at least 1".into()));
        }
        let opened = open::open(url, &options).await?;
        let group = group_commit::GroupCommit::start(
            opened.pool.clone(),
            opened.message_lock_class,
            options.commit,
            options.call_timeout,
        );
        Ok(PostgresStore {
            pool: opened.pool,
            call_timeout: options.call_timeout,
            message_lock_class: opened.message_lock_class,
            group,
        })
    }

    /// Runs one store call under [`PostgresOptions::call_timeout`]. A call
    /// cut short rolls back (tokio-postgres rolls a dropped transaction
    /// back); if it had committed after all, the provider's retry is a
    /// duplicate, never a loss.
    async fn within_deadline<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        within(self.call_timeout, call).await
    }

    async fn resolve_now(
        &self,
        id: i64,
        status: &[StatusEvent],
        inbound: &[InboundMessage],
    ) -> Result<IngestOutcome, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await.map_err(pg_error)?;
        let mut outcome = IngestOutcome::default();
        // The row lock makes a concurrent replay of the same request wait
        // for this one; under READ COMMITTED it then re-checks the
        // condition, finds the quarantine cleared, and stores nothing.
        let row = tx
            .query_opt(
                "SELECT received_at FROM raw_requests WHERE id = $1 AND quarantine_error IS NOT NULL FOR UPDATE",
                &[&id],
            )
            .await
            .map_err(pg_error)?;
        let Some(row) = row else {
            return Ok(outcome);
        };
        let received_at: i64 = get(&row, 0)?;
        tx.execute("UPDATE raw_requests SET quarantine_error = NULL WHERE id = $1", &[&id])
            .await
            .map_err(pg_error)?;
        let unit = batch::Unit {
            raw_request_id: id,
            received_at,
            status,
            inbound,
        };
        let stored = batch::store_events(&tx, self.message_lock_class, &[unit]).await?;
        stored[0].count_into(&mut outcome);
        // The feed rows are the last writes before the commit (see
        // TAKE_FEED_LOCK).
        batch::append_feed(&tx, stored.iter()).await?;
        // A failed COMMIT is an error, never an acknowledged outcome.
        tx.commit().await.map_err(pg_error)?;
        Ok(outcome)
    }
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    async fn ingest(&self, ingest: Ingest) -> Result<IngestOutcome, StoreError> {
        self.within_deadline(self.group.ingest(ingest)).await
    }

    async fn enqueue_outbound(&self, message: NewOutbound) -> Result<Enqueued, StoreError> {
        self.within_deadline(outbox::enqueue(&self.pool, &message)).await
    }

    async fn claim_outbound(&self, claim: Claim) -> Result<Vec<ClaimedOutbound>, StoreError> {
        self.within_deadline(outbox::claim(&self.pool, &claim)).await
    }

    async fn begin_attempt(&self, owner: &str, id: &str, attempt: NewAttempt) -> Result<bool, StoreError> {
        self.within_deadline(outbox::begin_attempt(&self.pool, owner, id, &attempt))
            .await
    }

    async fn settle_outbound(
        &self,
        owner: &str,
        id: &str,
        end: Option<AttemptEnd>,
        settle: Settle,
    ) -> Result<bool, StoreError> {
        self.within_deadline(outbox::settle(&self.pool, owner, id, end.as_ref(), &settle))
            .await
    }

    async fn attempt_of(
        &self,
        provider: Provider,
        message_id: &str,
        client_message_id: Option<&str>,
    ) -> Result<Option<AttemptRef>, StoreError> {
        self.within_deadline(outbox::attempt_of(&self.pool, provider, message_id, client_message_id))
            .await
    }

    async fn reroute(&self, id: &str, number: u32, provider_index: u32, at: i64) -> Result<bool, StoreError> {
        self.within_deadline(outbox::reroute(&self.pool, id, number, provider_index, at))
            .await
    }

    async fn coordinate(&self, owner: &str, now: i64, live_within: i64) -> Result<Coordination, StoreError> {
        self.within_deadline(outbox::coordinate(&self.pool, owner, now, live_within))
            .await
    }

    async fn pause_provider(&self, provider: &str, until: i64) -> Result<(), StoreError> {
        self.within_deadline(outbox::pause_provider(&self.pool, provider, until))
            .await
    }

    async fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.within_deadline(queries::put_setting(&self.pool, key, value)).await
    }

    async fn hold_export(
        &self,
        name: &str,
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<HeldExport>, StoreError> {
        self.within_deadline(exports::hold(&self.pool, name, owner, now, lease_until))
            .await
    }

    async fn save_export(
        &self,
        name: &str,
        owner: &str,
        lease_until: i64,
        progress: ExportProgress,
    ) -> Result<bool, StoreError> {
        self.within_deadline(exports::save(&self.pool, name, owner, lease_until, &progress))
            .await
    }

    async fn exports(&self) -> Result<Vec<ExportRecord>, StoreError> {
        self.within_deadline(exports::exports(&self.pool)).await
    }

    async fn dead_letters(&self, name: &str) -> Result<Vec<DeadLetterView>, StoreError> {
        self.within_deadline(exports::dead_letters(&self.pool, name)).await
    }

    async fn replay_export(
        &self,
        name: &str,
        since: Option<i64>,
        until: i64,
        now: i64,
    ) -> Result<ReplayView, StoreError> {
        self.within_deadline(exports::replay(&self.pool, name, since, until, now))
            .await
    }

    async fn opt_out(&self, number: &str) -> Result<Option<OptOutView>, StoreError> {
        self.within_deadline(opt_outs::opt_out(&self.pool, number)).await
    }

    async fn opt_outs(&self) -> Result<Vec<OptOutView>, StoreError> {
        self.within_deadline(opt_outs::opt_outs(&self.pool)).await
    }

    async fn change_opt_out(&self, number: &str, opted_out: bool, at: i64) -> Result<(), StoreError> {
        let change = api_change(number, opted_out, at);
        self.within_deadline(opt_outs::change(&self.pool, &change)).await
    }

    async fn outbound(&self, id: &str) -> Result<Option<OutboundView>, StoreError> {
        self.within_deadline(outbox::outbound(&self.pool, id)).await
    }

    async fn outbound_page(&self, after: Option<&str>, limit: usize) -> Result<OutboundPage, StoreError> {
        let cursor = FeedCursor::parse(after)?;
        let page = self
            .within_deadline(outbox::outbound_page(&self.pool, cursor.after, limit))
            .await?;
        Ok(cursor.outbound_page(page))
    }

    async fn message(&self, provider: Provider, message_id: &str) -> Result<Option<MessageView>, StoreError> {
        self.within_deadline(queries::message(&self.pool, provider, message_id))
            .await
    }

    async fn search_messages(&self, search: MessageSearch) -> Result<MessagesPage, StoreError> {
        let found = self.within_deadline(search::messages(&self.pool, &search)).await?;
        Ok(search_sql::messages_page(found, search.limit))
    }

    async fn delivery_stats(&self, window: DeliveryWindow) -> Result<DeliveryStats, StoreError> {
        self.within_deadline(search::delivery_stats(&self.pool, &window)).await
    }

    async fn events(&self, after: Option<&str>, limit: usize) -> Result<EventsPage, StoreError> {
        let cursor = FeedCursor::parse(after)?;
        let (events, newest) = self
            .within_deadline(queries::feed_events(&self.pool, cursor.after, limit))
            .await?;
        cursor.events_page(events, newest)
    }

    async fn inbound(&self, after: Option<&str>, limit: usize) -> Result<InboundPage, StoreError> {
        let cursor = FeedCursor::parse(after)?;
        let (messages, newest) = self
            .within_deadline(queries::inbound(&self.pool, cursor.after, limit))
            .await?;
        cursor.inbound_page(messages, newest)
    }

    async fn quarantined(&self) -> Result<Vec<QuarantinedRequest>, StoreError> {
        self.within_deadline(queries::quarantined(&self.pool)).await
    }

    async fn quarantined_raw(&self) -> Result<Vec<StoredRequest>, StoreError> {
        self.within_deadline(queries::quarantined_raw(&self.pool)).await
    }

    async fn resolve_quarantined(
        &self,
        id: i64,
        status: Vec<StatusEvent>,
        inbound: Vec<InboundMessage>,
    ) -> Result<IngestOutcome, StoreError> {
        self.within_deadline(self.resolve_now(id, &status, &inbound)).await
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        self.within_deadline(queries::setting_or_insert(&self.pool, key, value))
            .await
    }

    async fn ready(&self) -> Result<(), StoreError> {
        let version = self
            .within_deadline(async {
                let client = self.pool.get().await.map_err(pool_error)?;
                let row = client
                    .query_one("SELECT version FROM smsgate_schema_version", &[])
                    .await
                    .map_err(pg_error)?;
                get::<i32>(&row, 0)
            })
            .await?;
        schema_ready(i64::from(version), open::SCHEMA_VERSION)
    }

    /// Batches and ingests committed so far (see `group_commit.rs`).
    fn commit_stats(&self) -> CommitStats {
        self.group.stats()
    }
}
