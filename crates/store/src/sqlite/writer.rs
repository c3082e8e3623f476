//! The writer thread: the only connection that writes, and group commit.
//!
//! It takes the ingests waiting in its queue (up to
//! [`CommitOptions::commit_batch`], waiting at most
//! [`CommitOptions::commit_wait`] for more once it has one: by default not
//! at all, since the next batch gathers by itself while this one commits
//! and flushes), runs them in ONE
//! `BEGIN IMMEDIATE` transaction and commits. An ingest that fails gets
//! its own error and the others still commit: the batch is then run again
//! with each ingest inside its own `SAVEPOINT`, the failing one rolled back
//! to it. If the `COMMIT` fails, nothing of the
//! batch is stored and every ingest of it gets [`StoreError::Unavailable`].
//! A committed batch's answers go out through the syncer ([`Acks`]), once
//! the write-ahead log is on disk. Other work on the writer connection
//! ([`Job::Run`]) runs between batches, alone.
//!
//! Flushing: batches commit with `synchronous=NORMAL` (the syncer flushes
//! before answering). Work outside a batch is answered as soon as it
//! returns, so it runs with `synchronous=FULL`, whose COMMIT flushes; the
//! next batch puts the connection back to NORMAL first. Either switch can
//! fail (SQLite refuses one inside an open transaction, for instance): then
//! the work that needed it does not run, and its callers get the error.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::errors::store_error;
use super::ingest::{BatchStatements, ingest_in_tx};
use super::outbox::enqueue_in_tx;
use super::syncer::{Acks, Reply};
use super::writes::{Write, Written};
use crate::contract::{CommitOptions, StoreError};
use crate::stats::Counters;

/// How long the writer sleeps between looks at its queue while it gathers
/// a batch.
const GATHER_SLICE: Duration = Duration::from_micros(250);

/// Work for the writer thread.
pub(super) enum Job {
    /// A write that joins a batch (group commit).
    Write(Box<Write>, Reply<Written>),
    /// Anything else that needs the writer connection (settings, quarantine
    /// replays, and reads of an in-memory database), run on its own between
    /// batches.
    Run(WorkAlone),
}

/// Work outside a batch: given the writer connection, its commits flushing
/// to disk, or the error that kept the connection from being so.
pub(super) type WorkAlone = Box<dyn FnOnce(Result<&mut Connection, StoreError>) + Send>;

type Batch = Vec<(Box<Write>, Reply<Written>)>;

/// Starts the writer thread on `conn`; it runs the jobs sent to the
/// returned queue until every sender is dropped.
pub(super) fn start(
    conn: Connection,
    options: CommitOptions,
    counters: Arc<Counters>,
    acks: Acks,
) -> Result<mpsc::Sender<Job>, StoreError> {
    let (jobs, queue) = mpsc::channel();
    let writer = Writer {
        conn,
        counters,
        acks,
        synchronous_full: false,
    };
    std::thread::Builder::new()
        // Short: Linux keeps 15 bytes of a thread name (`top -H`, `/proc`).
        .name("sqlite-writer".into())
        .spawn(move || writer.run(queue, options))
        .map_err(|err| StoreError::Other(format!("cannot start the SQLite writer thread: {err}")))?;
    Ok(jobs)
}

/// The writer thread's state.
struct Writer {
    conn: Connection,
    counters: Arc<Counters>,
    acks: Acks,
    /// Work outside a batch may have left the connection in
    /// `synchronous=FULL`: the next batch sets NORMAL first.
    synchronous_full: bool,
}

impl Writer {
    /// Runs jobs until the store (every sender) is dropped.
    fn run(mut self, queue: mpsc::Receiver<Job>, options: CommitOptions) {
        let mut batch: Batch = Vec::with_capacity(options.commit_batch);
        let mut next: Option<Job> = None;
        loop {
            let first = match next.take() {
                Some(job) => job,
                None => match queue.recv() {
                    Ok(job) => job,
                    Err(mpsc::RecvError) => return,
                },
            };
            match first {
                Job::Run(work) => self.run_alone(work),
                Job::Write(write, reply) => {
                    batch.push((write, reply));
                    next = gather(&queue, &mut batch, options);
                    self.commit_batch(&mut batch);
                }
            }
        }
    }

    /// Runs work outside a batch, its commits flushing by themselves when
    /// the database is a file (the syncer does not see them).
    fn run_alone(&mut self, work: WorkAlone) {
        if !self.acks.durable() {
            return work(Ok(&mut self.conn));
        }
        self.synchronous_full = true;
        match set_synchronous(&self.conn, "FULL") {
            Ok(()) => work(Ok(&mut self.conn)),
            Err(error) => work(Err(error)),
        }
    }

    /// Commits `batch` in one transaction and answers every ingest of it
    /// (through the syncer, for a file).
    fn commit_batch(&mut self, batch: &mut Batch) {
        let mut results: Vec<Result<Written, StoreError>> = Vec::with_capacity(batch.len());
        match self.run_batch(batch, &mut results) {
            Ok(()) => {
                self.counters
                    .committed(batch.len(), results.iter().filter(|r| r.is_ok()).count());
                self.acks
                    .send(batch.drain(..).map(|(_, reply)| reply).zip(results).collect());
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

    /// Runs the batch: `Ok` once COMMIT returned, with one result per ingest
    /// in `results`; `Err` if the transaction as a whole did not commit.
    ///
    /// A write that fails must not take the others down with it, which a
    /// savepoint around each write ensures; but writes almost never fail,
    /// and a savepoint per write cost an eighth of an ingest's
    /// instructions. So the batch runs without them, and only when one
    /// write fails is it rolled back and run again with them.
    fn run_batch(&mut self, batch: &Batch, results: &mut Vec<Result<Written, StoreError>>) -> Result<(), StoreError> {
        if self.synchronous_full {
            set_synchronous(&self.conn, "NORMAL")?;
            self.synchronous_full = false;
        }
        if self.run_in_transaction(batch, results, Isolation::None)? == Ran::Committed {
            return Ok(());
        }
        results.clear();
        match self.run_in_transaction(batch, results, Isolation::Savepoints)? {
            Ran::Committed => Ok(()),
            Ran::WriteFailed => unreachable!("with savepoints a failed write is isolated"),
        }
    }

    fn run_in_transaction(
        &mut self,
        batch: &Batch,
        results: &mut Vec<Result<Written, StoreError>>,
        isolation: Isolation,
    ) -> Result<Ran, StoreError> {
        let savepoints = isolation == Isolation::Savepoints;
        let transaction = BatchTransaction::begin(&self.conn)?;
        let tx = transaction.conn;
        let mut statements = BatchStatements::new(tx);
        for (write, _) in batch {
            if savepoints {
                run(tx, "SAVEPOINT write")?;
            }
            let written = match &**write {
                Write::Ingest(ingest) => ingest_in_tx(&mut statements, ingest).map(Written::Ingest),
                Write::Enqueue(message) => enqueue_in_tx(tx, message).map(Written::Enqueue),
            };
            match written {
                Ok(outcome) => {
                    if savepoints {
                        run(tx, "RELEASE write")?;
                    }
                    results.push(Ok(outcome));
                }
                Err(err) => {
                    // Some errors (I/O, full disk) roll back the whole
                    // transaction: then the batch fails as a whole.
                    if tx.is_autocommit() {
                        return Err(store_error(err));
                    }
                    if !savepoints {
                        // `transaction` rolls back as it drops.
                        return Ok(Ran::WriteFailed);
                    }
                    run(tx, "ROLLBACK TO write")?;
                    run(tx, "RELEASE write")?;
                    results.push(Err(store_error(err)));
                }
            }
        }
        // A failed COMMIT is an error (and the transaction is rolled back when
        // `transaction` drops): never an acknowledged outcome.
        transaction.commit()?;
        Ok(Ran::Committed)
    }
}

/// A batch's transaction, begun and committed with statements prepared once
/// (rusqlite's `Transaction` parses `BEGIN` and `COMMIT` anew each time,
/// which cost a callback alone in a batch 5k instructions); rolled back
/// when dropped uncommitted.
struct BatchTransaction<'conn> {
    conn: &'conn Connection,
    committed: bool,
}

impl<'conn> BatchTransaction<'conn> {
    fn begin(conn: &'conn Connection) -> Result<BatchTransaction<'conn>, StoreError> {
        run(conn, "BEGIN IMMEDIATE")?;
        Ok(BatchTransaction { conn, committed: false })
    }

    fn commit(mut self) -> Result<(), StoreError> {
        run(self.conn, "COMMIT")?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for BatchTransaction<'_> {
    fn drop(&mut self) {
        // An error may have rolled the transaction back already.
        if !self.committed && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Whether each write of a batch runs inside its own savepoint.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Isolation {
    None,
    Savepoints,
}

/// How a batch's transaction ended, short of an error of the whole.
#[derive(Debug, PartialEq, Eq)]
enum Ran {
    Committed,
    /// A write failed without savepoints: nothing is stored; run it again with them.
    WriteFailed,
}

/// Sets `PRAGMA synchronous` (`FULL` or `NORMAL`) on the writer connection.
fn set_synchronous(conn: &Connection, level: &str) -> Result<(), StoreError> {
    conn.execute_batch(&format!("PRAGMA synchronous = {level}"))
        .map_err(store_error)
}

/// Takes what is queued into `batch`, then waits (bounded) for more; returns
/// a job that is not an ingest, to run after this batch commits. The wait is
/// a sleep in short slices rather than a blocking receive: a sender then
/// never has to wake this thread, one system call per request.
fn gather(queue: &mpsc::Receiver<Job>, batch: &mut Batch, options: CommitOptions) -> Option<Job> {
    let deadline = Instant::now() + options.commit_wait;
    while batch.len() < options.commit_batch {
        match queue.try_recv() {
            Ok(Job::Write(write, reply)) => batch.push((write, reply)),
            Ok(other) => return Some(other),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return None;
                }
                std::thread::sleep(left.min(GATHER_SLICE));
            }
        }
    }
    None
}

/// Runs a statement without parameters or results, prepared once.
fn run(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(drop)
        .map_err(store_error)
}
