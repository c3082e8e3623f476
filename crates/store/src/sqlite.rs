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
//! Group commit: the writer takes the ingests waiting in its queue (up to
//! [`CommitOptions::commit_batch`], waiting at most
//! [`CommitOptions::commit_wait`] for more once it has one), runs them in ONE
//! `BEGIN IMMEDIATE` transaction, each inside its own `SAVEPOINT`, and
//! commits. An ingest that fails rolls back its savepoint and gets its own
//! error; the others still commit. If the `COMMIT` fails, nothing of the
//! batch is stored and every ingest of it gets [`StoreError::Unavailable`].
//! A committed batch goes to the syncer thread, which flushes the
//! write-ahead log (one fdatasync for every batch committed since its last
//! one) and only then answers each ingest, while the writer already runs
//! the next batch: no answer leaves before the transaction holding it is
//! on disk. (SQLite's own `synchronous=FULL` would flush inside COMMIT and
//! leave the writer idle meanwhile; the commits here run with
//! `synchronous=NORMAL`, which still flushes the log before every
//! checkpoint, and the syncer adds the flush before every acknowledgement.)
//!
//! The schema is in `sqlite/migrations/`, applied in order at open and
//! recorded in `PRAGMA user_version`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::page::{body_text, parse_cursor, refuse_cursor_from_the_future, sql_limit};
use rusqlite::types::Type;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params};
use smsgate_normalize::views::{
    EventsPage, FeedEvent, InboundPage, InboundView, MessageEventView, MessageView, QuarantinedRequest, StatusFeedEvent,
};
use smsgate_normalize::{InboundMessage, InboundType, Provider, Status, StatusEvent};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use crate::stats::{CommitStats, Counters};
use crate::{CommitOptions, Ingest, IngestOutcome, Parsed, RawRequest, Store, StoreError, StoredRequest};

/// Migrations in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[include_str!("sqlite/migrations/0001_init.sql")];

/// How long a statement waits for a lock held by another connection (or
/// process) before failing with SQLITE_BUSY, which callers see as
/// [`StoreError::Unavailable`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the writer sleeps between looks at its queue while it gathers
/// a batch.
const GATHER_SLICE: Duration = Duration::from_micros(250);

/// Read connections; queries never wait for the writer.
const READERS: usize = 4;

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// Work for the writer thread.
enum Job {
    Ingest(Box<Ingest>, Reply<IngestOutcome>),
    /// Anything else that needs the writer connection (settings, and reads
    /// of an in-memory database), run on its own between batches.
    Run(Box<dyn FnOnce(&mut Connection) + Send>),
}

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
        let (writer, readers) = blocking(move || {
            let mut writer = Connection::open(&path).map_err(store_error)?;
            configure_writer(&writer, in_memory)?;
            migrate(&mut writer)?;
            let readers = if in_memory {
                Vec::new()
            } else {
                (0..READERS)
                    .map(|_| {
                        let reader = Connection::open(&path).map_err(store_error)?;
                        reader.busy_timeout(BUSY_TIMEOUT).map_err(store_error)?;
                        reader.execute_batch("PRAGMA query_only = ON;").map_err(store_error)?;
                        Ok(Arc::new(Mutex::new(reader)))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?
            };
            Ok((writer, readers))
        })
        .await?;
        let (jobs, queue) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let writer_counters = counters.clone();
        let acks = match wal {
            None => Acks::Now,
            Some(wal) => {
                let (synced, unsynced) = mpsc::channel();
                std::thread::Builder::new()
                    .name("smsgate-sqlite-syncer".into())
                    .spawn(move || syncer_loop(&wal, unsynced))
                    .map_err(|err| StoreError::Other(format!("cannot start the SQLite syncer thread: {err}")))?;
                Acks::AfterSync(synced)
            }
        };
        std::thread::Builder::new()
            .name("smsgate-sqlite-writer".into())
            .spawn(move || writer_loop(writer, queue, options, &writer_counters, &acks))
            .map_err(|err| StoreError::Other(format!("cannot start the SQLite writer thread: {err}")))?;
        Ok(SqliteStore {
            jobs,
            counters,
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Transactions and ingests the writer has committed so far.
    pub fn commit_stats(&self) -> CommitStats {
        self.counters.snapshot()
    }

    fn writer_gone() -> StoreError {
        StoreError::Unavailable("the SQLite writer has stopped".into())
    }

    /// Runs `work` on the writer connection, outside any batch.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job::Run(Box::new(move |conn: &mut Connection| {
            let _ = reply.send(work(conn).map_err(store_error));
        }));
        self.jobs.send(job).map_err(|_| Self::writer_gone())?;
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

/// The writer thread: runs jobs until the store (every sender) is dropped.
fn writer_loop(
    mut conn: Connection,
    queue: mpsc::Receiver<Job>,
    options: CommitOptions,
    counters: &Counters,
    acks: &Acks,
) {
    let mut batch: Vec<(Box<Ingest>, Reply<IngestOutcome>)> = Vec::with_capacity(options.commit_batch);
    let mut next: Option<Job> = None;
    loop {
        let first = match next.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(job) => job,
                Err(mpsc::RecvError) => return,
            },
        };
        let (ingest, reply) = match first {
            Job::Run(work) => {
                // Outside the batches, the commit itself flushes to disk.
                let durable = matches!(acks, Acks::AfterSync(_));
                if durable {
                    let _ = conn.execute_batch("PRAGMA synchronous = FULL");
                }
                work(&mut conn);
                if durable {
                    let _ = conn.execute_batch("PRAGMA synchronous = NORMAL");
                }
                continue;
            }
            Job::Ingest(ingest, reply) => (ingest, reply),
        };
        batch.push((ingest, reply));
        // Take what is queued, then wait (bounded) for more. The wait is a
        // sleep in short slices rather than a blocking receive: a sender
        // then never has to wake this thread, one system call per request.
        let deadline = Instant::now() + options.commit_wait;
        'gather: while batch.len() < options.commit_batch {
            match queue.try_recv() {
                Ok(Job::Ingest(ingest, reply)) => batch.push((ingest, reply)),
                Ok(other) => {
                    // Not part of a batch: run it after this one commits.
                    next = Some(other);
                    break 'gather;
                }
                Err(mpsc::TryRecvError::Disconnected) => break 'gather,
                Err(mpsc::TryRecvError::Empty) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break 'gather;
                    }
                    std::thread::sleep(left.min(GATHER_SLICE));
                }
            }
        }
        commit_batch(&mut conn, &mut batch, counters, acks);
    }
}

type Answers = Vec<(Reply<IngestOutcome>, Result<IngestOutcome, StoreError>)>;

/// When the answers to a committed batch go out.
enum Acks {
    /// At once (an in-memory database: there is nothing to flush).
    Now,
    /// Once the syncer has flushed the write-ahead log.
    AfterSync(mpsc::Sender<Answers>),
}

fn answer(answers: Answers) {
    for (reply, result) in answers {
        let _ = reply.send(result);
    }
}

/// The syncer thread: flushes the write-ahead log to disk (one `fdatasync`
/// for every batch committed since the last one), then answers the
/// ingests of those batches. The writer commits with `synchronous=NORMAL`
/// (no flush of its own) and goes on with the next batch meanwhile, so the
/// flush of one batch overlaps the work of the next: an ingest is still
/// answered only once its commit is on disk. A failed flush is sticky (the
/// kernel may drop the unwritten pages and report success next time): from
/// then on nothing is acknowledged until the store is reopened.
fn syncer_loop(wal: &Path, unsynced: mpsc::Receiver<Answers>) {
    let mut file: Option<std::fs::File> = None;
    let mut failed: Option<String> = None;
    while let Ok(first) = unsynced.recv() {
        let mut answers = first;
        while let Ok(more) = unsynced.try_recv() {
            answers.extend(more);
        }
        if failed.is_none()
            && let Err(err) = sync(&mut file, wal)
        {
            failed = Some(format!("cannot flush {} to disk: {err}", wal.display()));
        }
        match &failed {
            None => answer(answers),
            Some(error) => answer(
                answers
                    .into_iter()
                    .map(|(reply, _)| (reply, Err(StoreError::Unavailable(error.clone()))))
                    .collect(),
            ),
        }
    }
}

/// Flushes the write-ahead log (every write to it before this call). The
/// file is reopened if the path no longer names the one held open: flushing
/// a log SQLite had replaced would succeed and flush nothing that matters.
fn sync(file: &mut Option<std::fs::File>, wal: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let current = std::fs::metadata(wal)?;
    let stale = file.as_ref().map(|f| {
        f.metadata()
            .map(|held| (held.dev(), held.ino()) != (current.dev(), current.ino()))
    });
    if stale.transpose()?.unwrap_or(true) {
        *file = Some(std::fs::File::open(wal)?);
    }
    file.as_ref().expect("opened above").sync_data()
}

/// Commits `batch` in one transaction and answers every ingest of it
/// (through the syncer, for a file).
fn commit_batch(
    conn: &mut Connection,
    batch: &mut Vec<(Box<Ingest>, Reply<IngestOutcome>)>,
    counters: &Counters,
    acks: &Acks,
) {
    let mut results: Vec<Result<IngestOutcome, StoreError>> = Vec::with_capacity(batch.len());
    let committed = run_batch(conn, batch, &mut results);
    match committed {
        Ok(()) => {
            counters.committed(batch.len(), results.iter().filter(|r| r.is_ok()).count());
            let answers: Vec<_> = batch.drain(..).map(|(_, reply)| reply).zip(results).collect();
            match acks {
                Acks::Now => answer(answers),
                Acks::AfterSync(syncer) => {
                    if let Err(mpsc::SendError(answers)) = syncer.send(answers) {
                        let error = StoreError::Unavailable("the SQLite syncer has stopped".into());
                        answer(
                            answers
                                .into_iter()
                                .map(|(reply, _)| (reply, Err(error.clone())))
                                .collect(),
                        );
                    }
                }
            }
        }
        Err(error) => {
            // Nothing of the batch is stored: every request of it is told
            // to retry, never acknowledged.
            let message = error.to_string();
            for (_, reply) in batch.drain(..) {
                let _ = reply.send(Err(StoreError::Unavailable(message.clone())));
            }
        }
    }
}

/// Runs a statement without parameters or results, prepared once.
fn run(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(drop)
        .map_err(store_error)
}

/// Runs the batch: `Ok` once COMMIT returned, with one result per ingest in
/// `results`; `Err` if the transaction as a whole did not commit.
fn run_batch(
    conn: &mut Connection,
    batch: &[(Box<Ingest>, Reply<IngestOutcome>)],
    results: &mut Vec<Result<IngestOutcome, StoreError>>,
) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(store_error)?;
    for (ingest, _) in batch {
        run(&tx, "SAVEPOINT ingest")?;
        match ingest_in_tx(&tx, ingest) {
            Ok(outcome) => {
                run(&tx, "RELEASE ingest")?;
                results.push(Ok(outcome));
            }
            Err(err) => {
                // Some errors (I/O, full disk) roll back the whole
                // transaction: then the batch fails as a whole.
                if tx.is_autocommit() {
                    return Err(store_error(err));
                }
                run(&tx, "ROLLBACK TO ingest")?;
                run(&tx, "RELEASE ingest")?;
                results.push(Err(store_error(err)));
            }
        }
    }
    // A failed COMMIT is an error (and the transaction is rolled back when
    // `tx` drops): never an acknowledged outcome.
    tx.commit().map_err(store_error)
}

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

fn configure_writer(conn: &Connection, in_memory: bool) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(store_error)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(store_error)?;
    if !mode.eq_ignore_ascii_case("wal") && !in_memory {
        return Err(StoreError::Other(format!(
            "cannot put the database in WAL mode (journal mode is `{mode}`); is it on a network file system?"
        )));
    }
    // temp_store: the savepoints' statement journal stays in memory.
    // A file's batches are flushed by the syncer thread before anything is
    // acknowledged (see `syncer_loop`), so its commits do not flush.
    let synchronous = if in_memory { "FULL" } else { "NORMAL" };
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;"
    ))
    .map_err(store_error)
}

/// Applies the migrations the database lacks, in one transaction; a second
/// process opening the same file at the same time waits, then finds nothing
/// to do.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(store_error)?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(store_error)?;
    let known = MIGRATIONS.len() as i64;
    if !(0..=known).contains(&version) {
        return Err(StoreError::Other(format!(
            "the database has schema version {version}, this smsgate knows versions up to {known}"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql).map_err(store_error)?;
        // user_version lives in the database header: it commits with the
        // migration or not at all.
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
            .map_err(store_error)?;
    }
    tx.commit().map_err(store_error)
}

/// Errors the provider should retry (answered 503 + Retry-After) versus the
/// rest.
fn store_error(err: rusqlite::Error) -> StoreError {
    let transient = match &err {
        rusqlite::Error::SqliteFailure(e, _) => matches!(
            e.code,
            ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::DiskFull
                | ErrorCode::ReadOnly
                | ErrorCode::SystemIoFailure
                | ErrorCode::CannotOpen
                | ErrorCode::OutOfMemory
                | ErrorCode::PermissionDenied
                | ErrorCode::FileLockingProtocolFailed
        ),
        _ => false,
    };
    if transient {
        StoreError::Unavailable(err.to_string())
    } else {
        StoreError::Other(err.to_string())
    }
}

const INSERT_RAW_REQUEST: &str = "
    INSERT INTO raw_requests (provider, method, path, query, content_type, body, received_at, quarantine_error)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
    RETURNING id";

const INSERT_STATUS_EVENT: &str = "
    INSERT INTO status_events (provider, message_id, dedup_key, status, raw_status, raw_code, description,
                               occurred_at, received_at, channel, client_message_id, raw_request_id)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
    ON CONFLICT (provider, dedup_key) DO NOTHING
    RETURNING id";

/// The compare-and-set that moves a message's status, run after its new
/// event is inserted. The status becomes the event's only if the event's
/// precedence key is greater. The keys compare bytewise (SQLite's BINARY
/// collation; PostgreSQL needs `COLLATE "C"` on `status_key`).
const UPSERT_MESSAGE: &str = r#"
    INSERT INTO messages (provider, message_id, client_message_id, "to", "from", status, status_key)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
    ON CONFLICT (provider, message_id) DO UPDATE SET
        status = CASE WHEN excluded.status_key > messages.status_key
                      THEN excluded.status ELSE messages.status END,
        status_key = CASE WHEN excluded.status_key > messages.status_key
                          THEN excluded.status_key ELSE messages.status_key END,
        client_message_id = COALESCE(messages.client_message_id, excluded.client_message_id),
        "to" = COALESCE(messages."to", excluded."to"),
        "from" = COALESCE(messages."from", excluded."from")"#;

/// Then `status_at` is recomputed as the earliest provider time among the
/// stored events carrying the resulting status. Status and `status_at` are
/// both functions of the set of stored events, so the result does not
/// depend on arrival order. (A separate statement: with the subquery inside
/// the upsert, SQLite re-prepared the upsert on every execution, which cost
/// more than the rest of an ingest.)
const SET_STATUS_AT: &str = "
    UPDATE messages SET status_at =
        (SELECT MIN(e.occurred_at) FROM status_events e
         WHERE e.provider = messages.provider AND e.message_id = messages.message_id
           AND e.status = messages.status)
    WHERE provider = ?1 AND message_id = ?2";

const INSERT_INBOUND: &str = r#"
    INSERT INTO inbound_messages (provider, message_id, related_message_id, "from", "to", channel, "type", text,
                                  occurred_at, received_at, payload, raw_request_id)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
    ON CONFLICT (provider, message_id) DO NOTHING
    RETURNING id"#;

const INSERT_FEED_STATUS: &str = "INSERT INTO feed (status_event_id) VALUES (?1)";
const INSERT_FEED_INBOUND: &str = "INSERT INTO feed (inbound_id) VALUES (?1)";

/// Stores one ingest inside an open write transaction (its savepoint): the
/// raw request, then each event not stored before with its feed row (and,
/// for a status event, the message's compare-and-set). The caller commits.
fn ingest_in_tx(tx: &Connection, ingest: &Ingest) -> rusqlite::Result<IngestOutcome> {
    let raw = &ingest.raw;
    let quarantine_error = match &ingest.parsed {
        Parsed::Quarantined { error } => Some(error.as_str()),
        Parsed::Events { .. } => None,
    };
    let raw_request_id = insert_raw_request(tx, raw, quarantine_error)?;
    let mut outcome = IngestOutcome {
        quarantined: quarantine_error.is_some(),
        ..IngestOutcome::default()
    };
    let Parsed::Events { status, inbound } = &ingest.parsed else {
        return Ok(outcome);
    };
    insert_events(tx, status, inbound, raw.received_at, raw_request_id, &mut outcome)?;
    Ok(outcome)
}

/// Stores each event not stored before with its feed row (and, for a status
/// event, the message's compare-and-set), counting into `outcome`.
fn insert_events(
    tx: &Connection,
    status: &[StatusEvent],
    inbound: &[InboundMessage],
    received_at: i64,
    raw_request_id: i64,
    outcome: &mut IngestOutcome,
) -> rusqlite::Result<()> {
    for event in status {
        if insert_status_event(tx, event, received_at, raw_request_id)? {
            outcome.status_events_stored += 1;
        } else {
            outcome.duplicates += 1;
        }
    }
    for message in inbound {
        if insert_inbound(tx, message, received_at, raw_request_id)? {
            outcome.inbound_stored += 1;
        } else {
            outcome.duplicates += 1;
        }
    }
    Ok(())
}

/// Stores the events of quarantined request `id` and clears its quarantine,
/// inside an open write transaction; nothing when it is not quarantined.
fn resolve_in_tx(
    tx: &Connection,
    id: i64,
    status: &[StatusEvent],
    inbound: &[InboundMessage],
) -> rusqlite::Result<IngestOutcome> {
    let mut outcome = IngestOutcome::default();
    let received_at: Option<i64> = tx
        .prepare_cached("SELECT received_at FROM raw_requests WHERE id = ?1 AND quarantine_error IS NOT NULL")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    let Some(received_at) = received_at else {
        return Ok(outcome);
    };
    insert_events(tx, status, inbound, received_at, id, &mut outcome)?;
    tx.prepare_cached("UPDATE raw_requests SET quarantine_error = NULL WHERE id = ?1")?
        .execute([id])?;
    Ok(outcome)
}

fn insert_raw_request(tx: &Connection, raw: &RawRequest, quarantine_error: Option<&str>) -> rusqlite::Result<i64> {
    tx.prepare_cached(INSERT_RAW_REQUEST)?.query_row(
        params![
            raw.provider.as_str(),
            raw.method,
            raw.path,
            raw.query,
            raw.content_type,
            raw.body,
            raw.received_at,
            quarantine_error,
        ],
        |row| row.get(0),
    )
}

/// Returns whether the event was new (false: a duplicate, nothing changed).
fn insert_status_event(
    tx: &Connection,
    event: &StatusEvent,
    received_at: i64,
    raw_request_id: i64,
) -> rusqlite::Result<bool> {
    let provider = event.provider.as_str();
    let status = event.status.as_str();
    let id: Option<i64> = tx
        .prepare_cached(INSERT_STATUS_EVENT)?
        .query_row(
            params![
                provider,
                event.message_id,
                event.dedup_key,
                status,
                event.raw_status,
                event.raw_code,
                event.description,
                event.occurred_at,
                received_at,
                event.channel,
                event.client_message_id,
                raw_request_id,
            ],
            |row| row.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Ok(false);
    };
    tx.prepare_cached(INSERT_FEED_STATUS)?.execute([id])?;
    tx.prepare_cached(UPSERT_MESSAGE)?.execute(params![
        provider,
        event.message_id,
        event.client_message_id,
        event.to,
        event.from,
        status,
        event.status.precedence_key(event.occurred_at),
    ])?;
    tx.prepare_cached(SET_STATUS_AT)?
        .execute(params![provider, event.message_id])?;
    Ok(true)
}

/// Returns whether the message was new.
fn insert_inbound(
    tx: &Connection,
    message: &InboundMessage,
    received_at: i64,
    raw_request_id: i64,
) -> rusqlite::Result<bool> {
    let id: Option<i64> = tx
        .prepare_cached(INSERT_INBOUND)?
        .query_row(
            params![
                message.provider.as_str(),
                message.message_id,
                message.related_message_id,
                message.from,
                message.to,
                message.channel,
                message.kind.as_str(),
                message.text,
                message.occurred_at,
                received_at,
                message.payload.to_string(),
                raw_request_id,
            ],
            |row| row.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Ok(false);
    };
    tx.prepare_cached(INSERT_FEED_INBOUND)?.execute([id])?;
    Ok(true)
}

/// The highest feed `seq` ever handed out (AUTOINCREMENT never reuses one).
fn newest_seq(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'feed'), 0)")?
        .query_row([], |row| row.get(0))
}

fn column<T>(row: &Row<'_>, idx: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, format!("unexpected value `{text}`").into())
    })
}

fn json_column(row: &Row<'_>, idx: usize) -> rusqlite::Result<serde_json::Value> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|err| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, err.into()))
}

/// Inbound messages after `?1`. `inbound_id IS NOT NULL` lets SQLite use
/// the partial index `feed_inbound` rather than step over status rows.
const INBOUND_PAGE: &str = r#"
    SELECT f.seq, i.provider, i.message_id, i.related_message_id, i."from", i."to", i.channel,
           i."type", i.text, i.occurred_at, i.received_at, i.payload
    FROM feed f
    JOIN inbound_messages i ON i.id = f.inbound_id
    WHERE f.seq > ?1 AND f.inbound_id IS NOT NULL
    ORDER BY f.seq
    LIMIT ?2"#;

/// An inbound message from column `at` on: its cursor (`seq`), then the
/// columns of `INBOUND_PAGE`.
fn inbound_view(row: &Row<'_>, at: usize) -> rusqlite::Result<InboundView> {
    Ok(InboundView {
        cursor: row.get::<_, i64>(at)?.to_string(),
        provider: column(row, at + 1, Provider::parse)?,
        message_id: row.get(at + 2)?,
        related_message_id: row.get(at + 3)?,
        from: row.get(at + 4)?,
        to: row.get(at + 5)?,
        channel: row.get(at + 6)?,
        kind: column(row, at + 7, InboundType::parse)?,
        text: row.get(at + 8)?,
        occurred_at: row.get(at + 9)?,
        received_at: row.get(at + 10)?,
        payload: json_column(row, at + 11)?,
    })
}

/// The feed after `after`, both kinds. `seq` order is commit order here:
/// SQLite has one writer at a time, so a transaction that takes a `seq`
/// commits before the next one can take a greater one, and a reader's
/// snapshot holds every `seq` up to the greatest it sees. A consumer that
/// resumes from the last `seq` it got can therefore never skip a row.
/// (PostgreSQL, with concurrent writers, will need more than a sequence.)
const EVENTS_PAGE: &str = r#"
    SELECT f.seq, f.status_event_id,
           e.provider, e.message_id, e.client_message_id, e.status, e.raw_status, e.raw_code, e.description,
           e.occurred_at, e.received_at, e.channel,
           f.seq, i.provider, i.message_id, i.related_message_id, i."from", i."to", i.channel,
           i."type", i.text, i.occurred_at, i.received_at, i.payload
    FROM feed f
    LEFT JOIN status_events e ON e.id = f.status_event_id
    LEFT JOIN inbound_messages i ON i.id = f.inbound_id
    WHERE f.seq > ?1
    ORDER BY f.seq
    LIMIT ?2"#;

fn feed_event(row: &Row<'_>) -> rusqlite::Result<FeedEvent> {
    let status_event_id: Option<i64> = row.get(1)?;
    if status_event_id.is_none() {
        return Ok(FeedEvent::Inbound(inbound_view(row, 12)?));
    }
    Ok(FeedEvent::Status(StatusFeedEvent {
        cursor: row.get::<_, i64>(0)?.to_string(),
        provider: column(row, 2, Provider::parse)?,
        message_id: row.get(3)?,
        client_message_id: row.get(4)?,
        status: column(row, 5, Status::parse)?,
        raw_status: row.get(6)?,
        raw_code: row.get(7)?,
        description: row.get(8)?,
        occurred_at: row.get(9)?,
        received_at: row.get(10)?,
        channel: row.get(11)?,
    }))
}

fn message_event(row: &Row<'_>) -> rusqlite::Result<MessageEventView> {
    Ok(MessageEventView {
        status: column(row, 0, Status::parse)?,
        raw_status: row.get(1)?,
        raw_code: row.get(2)?,
        description: row.get(3)?,
        occurred_at: row.get(4)?,
        received_at: row.get(5)?,
        channel: row.get(6)?,
    })
}

const QUARANTINED_RAW: &str = "
    SELECT id, provider, method, path, query, content_type, body, received_at, quarantine_error
    FROM raw_requests WHERE quarantine_error IS NOT NULL
    ORDER BY id";

fn stored_request(row: &Row<'_>) -> rusqlite::Result<StoredRequest> {
    Ok(StoredRequest {
        id: row.get(0)?,
        provider: column(row, 1, Provider::parse)?,
        method: row.get(2)?,
        path: row.get(3)?,
        query: row.get(4)?,
        content_type: row.get(5)?,
        body: row.get(6)?,
        received_at: row.get(7)?,
        error: row.get(8)?,
    })
}

fn quarantined_request(row: &Row<'_>) -> rusqlite::Result<QuarantinedRequest> {
    let body: Vec<u8> = row.get(6)?;
    let body = body_text(body);
    Ok(QuarantinedRequest {
        id: row.get(0)?,
        provider: column(row, 1, Provider::parse)?,
        method: row.get(2)?,
        path: row.get(3)?,
        received_at: row.get(4)?,
        error: row.get(5)?,
        body,
    })
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn ingest(&self, ingest: Ingest) -> Result<IngestOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Ingest(Box::new(ingest), reply))
            .map_err(|_| Self::writer_gone())?;
        // Answered only after the batch holding this ingest committed (or
        // with an error, and then nothing of it is stored).
        answer.await.map_err(|_| Self::writer_gone())?
    }

    async fn message(&self, provider: Provider, message_id: &str) -> Result<Option<MessageView>, StoreError> {
        let message_id = message_id.to_string();
        self.read(move |conn| {
            // One snapshot for the message and its events.
            let tx = conn.transaction()?;
            let head = tx
                .prepare_cached(
                    r#"SELECT client_message_id, "to", "from", status, status_at
                       FROM messages WHERE provider = ?1 AND message_id = ?2"#,
                )?
                .query_row(params![provider.as_str(), message_id], |row| {
                    Ok((
                        row.get::<_, Option<String>>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        column(row, 3, Status::parse)?,
                        row.get::<_, Option<i64>>(4)?,
                    ))
                })
                .optional()?;
            let Some((client_message_id, to, from, status, status_at)) = head else {
                return Ok(None);
            };
            let events = tx
                .prepare_cached(
                    "SELECT status, raw_status, raw_code, description, occurred_at, received_at, channel
                     FROM status_events WHERE provider = ?1 AND message_id = ?2
                     ORDER BY occurred_at ASC NULLS LAST, id",
                )?
                .query_map(params![provider.as_str(), message_id], message_event)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Some(MessageView {
                provider,
                message_id,
                client_message_id,
                to,
                from,
                status,
                status_at,
                events,
            }))
        })
        .await
    }

    async fn events(&self, after: Option<&str>, limit: usize) -> Result<EventsPage, StoreError> {
        let (after, after_text) = parse_cursor(after)?;
        let (events, newest) = self
            .read(move |conn| {
                let events = conn
                    .prepare_cached(EVENTS_PAGE)?
                    .query_map(params![after, sql_limit(limit)], feed_event)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok((events, newest_seq(conn)?))
            })
            .await?;
        refuse_cursor_from_the_future(after, newest, &after_text)?;
        let next_cursor = events.last().map_or(after_text, |event| event.cursor().to_string());
        Ok(EventsPage { events, next_cursor })
    }

    async fn inbound(&self, after: Option<&str>, limit: usize) -> Result<InboundPage, StoreError> {
        let (after, after_text) = parse_cursor(after)?;
        let (messages, newest) = self
            .read(move |conn| {
                let messages = conn
                    .prepare_cached(INBOUND_PAGE)?
                    .query_map(params![after, sql_limit(limit)], |row| inbound_view(row, 0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok((messages, newest_seq(conn)?))
            })
            .await?;
        refuse_cursor_from_the_future(after, newest, &after_text)?;
        let next_cursor = messages.last().map_or(after_text, |message| message.cursor.clone());
        Ok(InboundPage { messages, next_cursor })
    }

    async fn quarantined(&self) -> Result<Vec<QuarantinedRequest>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT id, provider, method, path, received_at, quarantine_error, body
                 FROM raw_requests WHERE quarantine_error IS NOT NULL
                 ORDER BY id",
            )?
            .query_map([], quarantined_request)?
            .collect()
        })
        .await
    }

    async fn quarantined_raw(&self) -> Result<Vec<StoredRequest>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached(QUARANTINED_RAW)?
                .query_map([], stored_request)?
                .collect()
        })
        .await
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
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let outcome = resolve_in_tx(&tx, id, &status, &inbound)?;
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        let (key, value) = (key.to_string(), value.to_string());
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                params![key, value],
            )?;
            let stored: String = tx.query_row("SELECT value FROM settings WHERE key = ?1", params![key], |row| {
                row.get(0)
            })?;
            tx.commit()?;
            Ok(stored)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::StatementStatus;

    #[test]
    /// Re-preparing a statement costs more than running it: the ingest path must never do it.
    fn ingest_statements_are_prepared_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let mut conn = Connection::open(&path).unwrap();
        configure_writer(&conn, false).unwrap();
        migrate(&mut conn).unwrap();
        for i in 0..20 {
            let tx = conn.transaction().unwrap();
            let event = StatusEvent {
                provider: Provider::Smarthive,
                message_id: format!("m{i}"),
                client_message_id: None,
                to: None,
                from: None,
                status: Status::Delivered,
                raw_status: Some("D".into()),
                raw_code: None,
                description: None,
                occurred_at: Some(i),
                channel: None,
                dedup_key: format!("k{i}"),
            };
            let ingest = Ingest {
                raw: RawRequest {
                    provider: Provider::Smarthive,
                    method: "POST".into(),
                    path: "/x".into(),
                    query: None,
                    content_type: None,
                    body: vec![1],
                    received_at: 1,
                },
                parsed: Parsed::Events {
                    status: vec![event],
                    inbound: Vec::new(),
                },
            };
            ingest_in_tx(&tx, &ingest).unwrap();
            tx.commit().unwrap();
        }
        for (name, sql) in [
            ("raw", INSERT_RAW_REQUEST),
            ("status", INSERT_STATUS_EVENT),
            ("feed", INSERT_FEED_STATUS),
            ("upsert", UPSERT_MESSAGE),
            ("status_at", SET_STATUS_AT),
        ] {
            let stmt = conn.prepare_cached(sql).unwrap();
            assert_eq!(stmt.get_status(StatementStatus::Run), 20, "{name}");
            assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0, "{name} is re-prepared");
        }
    }
}
