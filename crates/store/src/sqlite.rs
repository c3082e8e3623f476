//! The SQLite backend: one file in WAL mode, every acknowledged commit
//! flushed to disk (fdatasync of the write-ahead log) before the receiver
//! acknowledges it.
//!
//! Connections: one writer, owned by a dedicated thread (the writer loop),
//! and a few readers behind tokio mutexes (WAL lets them read while the
//! writer writes). A read takes a reader's `OwnedMutexGuard` and moves it
//! into `spawn_blocking`; a write is a job sent to the writer thread, whose
//! answer comes back on a oneshot channel. SQLite never runs on the async
//! runtime and no lock is held across an await. A call whose future is
//! dropped mid-way still finishes (or rolls back) its work on the writer.
//!
//! Group commit: the writer runs the ingests waiting in its queue in one
//! transaction (a savepoint each only when one of them fails: see the
//! writer), and hands the committed batch to the
//! syncer thread, which flushes the write-ahead log and only then answers,
//! while the writer already runs the next batch: no answer leaves before
//! the transaction holding it is on disk. (SQLite's own `synchronous=FULL`
//! would flush inside COMMIT and leave the writer idle meanwhile; the
//! batches run with `synchronous=NORMAL`, which still flushes the log
//! before every checkpoint, and the syncer adds the flush before every
//! acknowledgement. Work outside the batches runs with `synchronous=FULL`,
//! so that its own COMMIT flushes.)
//!
//! This file is the store type and its [`Store`] implementation; the rest
//! is a submodule each:
//! - `open`: the connections, their settings and the migrations;
//! - `writer`: the writer thread and group commit;
//! - `syncer`: the syncer thread, and when a batch's answers go out;
//! - `ingest`: the statements that store one callback;
//! - `queries`: the query API's reads and the settings;
//! - `errors`: which SQLite errors are worth a retry.

mod errors;
mod exports;
mod ingest;
mod open;
mod opt_outs;
mod outbox;
mod queries;
mod search;
mod syncer;
mod writer;
mod writes;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use rusqlite::Connection;
use smsgate_normalize::views::{
    DeadLetterView, DeliveryStats, EventsPage, InboundPage, MessageView, MessagesPage, OptOutView, OutboundPage,
    OutboundView, QuarantinedRequest, ReplayView,
};
use smsgate_normalize::{InboundMessage, Provider, StatusEvent};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use self::errors::store_error;
use self::syncer::Acks;
use self::writer::Job;
use self::writes::{Write, Written};
use crate::contract::{CommitOptions, Ingest, IngestOutcome, Store, StoreError, StoredRequest, schema_ready};
use crate::exports::{ExportProgress, ExportRecord, HeldExport};
use crate::opt_outs::api_change;
use crate::outbox::{
    AttemptEnd, AttemptRef, Claim, ClaimedOutbound, Coordination, Enqueued, NewAttempt, NewOutbound, Settle,
};
use crate::page::FeedCursor;
use crate::search::{DeliveryWindow, MessageSearch};
use crate::search_sql;
use crate::stats::{CommitStats, Counters};

/// The SQLite [`Store`] (see the module docs).
pub struct SqliteStore {
    jobs: mpsc::Sender<Job>,
    counters: Arc<Counters>,
    /// Empty for an in-memory database, whose data only the writer sees.
    readers: Vec<Arc<Mutex<Connection>>>,
    next_reader: AtomicUsize,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and runs the
    /// migrations it lacks, with the default [`CommitOptions`].
    pub async fn open(path: &str) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(path, CommitOptions::default()).await
    }

    /// Opens the database file at `path` with `options`.
    pub async fn open_with(path: &str, options: CommitOptions) -> Result<SqliteStore, StoreError> {
        if options.commit_batch == 0 {
            return Err(StoreError::Other("commit_batch must be at least 1".into()));
        }
        let path = path.to_string();
        let in_memory = path.is_empty() || path == ":memory:";
        // The write-ahead log the syncer flushes (none in memory).
        let wal = (!in_memory).then(|| PathBuf::from(format!("{path}-wal")));
        let connections = blocking(move || open::open_connections(&path, in_memory)).await?;
        let counters = Arc::new(Counters::default());
        let acks = Acks::start(wal)?;
        let jobs = writer::start(connections.writer, options, counters.clone(), acks)?;
        Ok(SqliteStore {
            jobs,
            counters,
            readers: connections
                .readers
                .into_iter()
                .map(|reader| Arc::new(Mutex::new(reader)))
                .collect(),
            next_reader: AtomicUsize::new(0),
        })
    }

    fn writer_gone() -> StoreError {
        StoreError::Unavailable("the SQLite writer has stopped".into())
    }

    /// Runs `work` on the writer connection, outside any batch; its commits
    /// flush to disk before it returns (see `writer.rs`).
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job::Run(Box::new(move |conn: Result<&mut Connection, StoreError>| {
            // The caller may have gone away meanwhile; its work is done anyway.
            let _ = reply.send(conn.and_then(|conn| work(conn).map_err(store_error)));
        }));
        self.jobs.send(job).map_err(|_| Self::writer_gone())?;
        answer.await.map_err(|_| Self::writer_gone())?
    }

    /// Commits `write` in the writer's next batch; answered only after the
    /// batch committed and is on disk (or with an error, and then nothing
    /// of it is stored).
    async fn group_commit(&self, write: Write) -> Result<Written, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Write(Box::new(write), reply))
            .map_err(|_| Self::writer_gone())?;
        answer.await.map_err(|_| Self::writer_gone())?
    }

    /// Runs `work` on a read connection (a free one if there is one).
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        if self.readers.is_empty() {
            return self.write(work).await;
        }
        let mut conn = self.reader().await;
        blocking(move || work(&mut conn).map_err(store_error)).await
    }

    async fn reader(&self) -> OwnedMutexGuard<Connection> {
        for reader in &self.readers {
            if let Ok(conn) = reader.clone().try_lock_owned() {
                return conn;
            }
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        self.readers[i].clone().lock_owned().await
    }
}

/// Runs blocking `work` off the async runtime.
async fn blocking<T, F>(work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(err) if err.is_cancelled() => Err(StoreError::Unavailable("the runtime is shutting down".into())),
        Err(err) => Err(StoreError::Other(format!("store task failed: {err}"))),
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn ingest(&self, ingest: Ingest) -> Result<IngestOutcome, StoreError> {
        match self.group_commit(Write::Ingest(ingest)).await? {
            Written::Ingest(outcome) => Ok(outcome),
            Written::Enqueue(_) => unreachable!("an ingest stores an ingest"),
        }
    }

    async fn enqueue_outbound(&self, message: NewOutbound) -> Result<Enqueued, StoreError> {
        match self.group_commit(Write::Enqueue(message)).await? {
            Written::Enqueue(enqueued) => Ok(enqueued),
            Written::Ingest(_) => unreachable!("an enqueue stores an enqueue"),
        }
    }

    async fn claim_outbound(&self, claim: Claim) -> Result<Vec<ClaimedOutbound>, StoreError> {
        self.write(move |conn| outbox::claim(conn, &claim)).await
    }

    async fn begin_attempt(&self, owner: &str, id: &str, attempt: NewAttempt) -> Result<bool, StoreError> {
        let (owner, id) = (owner.to_string(), id.to_string());
        self.write(move |conn| outbox::begin_attempt(conn, &owner, &id, &attempt))
            .await
    }

    async fn settle_outbound(
        &self,
        owner: &str,
        id: &str,
        end: Option<AttemptEnd>,
        settle: Settle,
    ) -> Result<bool, StoreError> {
        let (owner, id) = (owner.to_string(), id.to_string());
        self.write(move |conn| outbox::settle(conn, &owner, &id, end.as_ref(), &settle))
            .await
    }

    async fn attempt_of(
        &self,
        provider: Provider,
        message_id: &str,
        client_message_id: Option<&str>,
    ) -> Result<Option<AttemptRef>, StoreError> {
        let (message_id, client_message_id) = (message_id.to_string(), client_message_id.map(str::to_string));
        self.read(move |conn| outbox::attempt_of(conn, provider, &message_id, client_message_id.as_deref()))
            .await
    }

    async fn reroute(&self, id: &str, number: u32, provider_index: u32, at: i64) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.write(move |conn| outbox::reroute(conn, &id, number, provider_index, at))
            .await
    }

    async fn coordinate(&self, owner: &str, now: i64, live_within: i64) -> Result<Coordination, StoreError> {
        let owner = owner.to_string();
        self.write(move |conn| outbox::coordinate(conn, &owner, now, live_within))
            .await
    }

    async fn pause_provider(&self, provider: &str, until: i64) -> Result<(), StoreError> {
        let provider = provider.to_string();
        self.write(move |conn| outbox::pause_provider(conn, &provider, until))
            .await
    }

    async fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let (key, value) = (key.to_string(), value.to_string());
        self.write(move |conn| queries::put_setting(conn, &key, &value)).await
    }

    async fn hold_export(
        &self,
        name: &str,
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<HeldExport>, StoreError> {
        let (name, owner) = (name.to_string(), owner.to_string());
        self.write(move |conn| exports::hold(conn, &name, &owner, now, lease_until))
            .await
    }

    async fn save_export(
        &self,
        name: &str,
        owner: &str,
        lease_until: i64,
        progress: ExportProgress,
    ) -> Result<bool, StoreError> {
        let (name, owner) = (name.to_string(), owner.to_string());
        self.write(move |conn| exports::save(conn, &name, &owner, lease_until, &progress))
            .await
    }

    async fn exports(&self) -> Result<Vec<ExportRecord>, StoreError> {
        self.read(exports::exports).await
    }

    async fn dead_letters(&self, name: &str) -> Result<Vec<DeadLetterView>, StoreError> {
        let name = name.to_string();
        self.read(move |conn| exports::dead_letters(conn, &name)).await
    }

    async fn replay_export(
        &self,
        name: &str,
        since: Option<i64>,
        until: i64,
        now: i64,
    ) -> Result<ReplayView, StoreError> {
        let name = name.to_string();
        self.write(move |conn| exports::replay(conn, &name, since, until, now))
            .await
    }

    async fn opt_out(&self, number: &str) -> Result<Option<OptOutView>, StoreError> {
        let number = number.to_string();
        self.read(move |conn| opt_outs::opt_out(conn, &number)).await
    }

    async fn opt_outs(&self) -> Result<Vec<OptOutView>, StoreError> {
        self.read(opt_outs::opt_outs).await
    }

    async fn change_opt_out(&self, number: &str, opted_out: bool, at: i64) -> Result<(), StoreError> {
        let change = api_change(number, opted_out, at);
        self.write(move |conn| opt_outs::change(conn, &change)).await
    }

    async fn outbound(&self, id: &str) -> Result<Option<OutboundView>, StoreError> {
        let id = id.to_string();
        self.read(move |conn| outbox::outbound(conn, &id)).await
    }

    async fn outbound_page(&self, after: Option<&str>, limit: usize) -> Result<OutboundPage, StoreError> {
        let cursor = FeedCursor::parse(after)?;
        let after = cursor.after;
        let page = self.read(move |conn| outbox::outbound_page(conn, after, limit)).await?;
        Ok(cursor.outbound_page(page))
    }

    async fn message(&self, provider: Provider, message_id: &str) -> Result<Option<MessageView>, StoreError> {
        let message_id = message_id.to_string();
        self.read(move |conn| queries::message(conn, provider, message_id))
            .await
    }

    async fn search_messages(&self, search: MessageSearch) -> Result<MessagesPage, StoreError> {
        let statement = search_sql::search_statement(&search, search::placeholder)?;
        let found = self.read(move |conn| search::messages(conn, statement)).await?;
        Ok(search_sql::messages_page(found, search.limit))
    }

    async fn delivery_stats(&self, window: DeliveryWindow) -> Result<DeliveryStats, StoreError> {
        self.read(move |conn| search::delivery_stats(conn, &window)).await
    }

    async fn events(&self, after: Option<&str>, limit: usize) -> Result<EventsPage, StoreError> {
        let cursor = FeedCursor::parse(after)?;
        let after = cursor.after;
        let (events, newest) = self.read(move |conn| queries::feed_events(conn, after, limit)).await?;
        cursor.events_page(events, newest)
    }

    async fn inbound(&self, after: Option<&str>, limit: usize) -> Result<InboundPage, StoreError> {
        let cursor = FeedCursor::parse(after)?;
        let after = cursor.after;
        let (messages, newest) = self.read(move |conn| queries::inbound(conn, after, limit)).await?;
        cursor.inbound_page(messages, newest)
    }

    async fn quarantined(&self) -> Result<Vec<QuarantinedRequest>, StoreError> {
        self.read(|conn| queries::quarantined(conn)).await
    }

    async fn quarantined_raw(&self) -> Result<Vec<StoredRequest>, StoreError> {
        self.read(|conn| queries::quarantined_raw(conn)).await
    }

    async fn resolve_quarantined(
        &self,
        id: i64,
        status: Vec<StatusEvent>,
        inbound: Vec<InboundMessage>,
    ) -> Result<IngestOutcome, StoreError> {
        // On the writer thread, between batches, in a transaction of its
        // own that flushes on commit (see `write`): the single-writer rule
        // holds, and the answer leaves only once the commit is on disk.
        self.write(move |conn| ingest::resolve_quarantined(conn, id, &status, &inbound))
            .await
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        let (key, value) = (key.to_string(), value.to_string());
        self.write(move |conn| queries::setting_or_insert(conn, &key, &value))
            .await
    }

    async fn ready(&self) -> Result<(), StoreError> {
        let version: i64 = self
            .read(|conn| conn.query_row("PRAGMA user_version", [], |row| row.get(0)))
            .await?;
        schema_ready(version, open::SCHEMA_VERSION)
    }

    fn commit_stats(&self) -> CommitStats {
        self.counters.snapshot()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Parsed, RawRequest};

    /// Work outside a batch is answered as soon as it returns, so its own
    /// COMMIT must flush: it runs with `synchronous=FULL`. When the writer
    /// connection cannot be put in that mode, here because a transaction
    /// was left open on it (SQLite refuses to change the safety level
    /// inside one), the work must not run and be acknowledged: its caller
    /// gets the error.
    #[tokio::test]
    async fn work_outside_a_batch_fails_when_its_commit_cannot_be_made_to_flush() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("smsgate.db").to_str().unwrap())
            .await
            .unwrap();
        // A job that leaves a transaction open on the writer connection.
        store.write(|conn| conn.execute_batch("BEGIN")).await.unwrap();
        let result = store
            .write(|conn| conn.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')", []))
            .await;
        assert!(
            matches!(&result, Err(StoreError::Other(text)) if text.contains("inside a transaction")),
            "{result:?}"
        );
        // Nor is a batch committed when the connection cannot be put back
        // to NORMAL before it: its ingests are told to retry.
        let ingest = Ingest {
            raw: RawRequest {
                provider: Provider::Smarthive,
                method: "POST".into(),
                path: "/x".into(),
                query: None,
                content_type: None,
                body: b"{}".to_vec(),
                received_at: 1,
            },
            parsed: Parsed::Quarantined { error: "x".into() },
        };
        let result = store.ingest(ingest).await;
        assert!(
            matches!(&result, Err(StoreError::Unavailable(text)) if text.contains("inside a transaction")),
            "{result:?}"
        );
    }
}
