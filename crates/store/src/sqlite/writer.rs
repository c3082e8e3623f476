//! The writer thread: the only connection that writes, and group commit.
//!
//! It takes the ingests waiting in its queue (up to
//! [`CommitOptions::commit_batch`], waiting at most
//! [`CommitOptions::commit_wait`] for more once it has one), runs them in ONE
//! `BEGIN IMMEDIATE` transaction, each inside its own `SAVEPOINT`, and
//! commits. An ingest that fails rolls back its savepoint and gets its own
//! error; the others still commit. If the `COMMIT` fails, nothing of the
//! batch is stored and every ingest of it gets [`StoreError::Unavailable`].
//! A committed batch's answers go out through the syncer ([`Acks`]), once
//! the write-ahead log is on disk. Other work on the writer connection
//! ([`Job::Run`]) runs between batches, alone.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};

use super::errors::store_error;
use super::ingest::ingest_in_tx;
use super::syncer::{Acks, Reply};
use crate::contract::{CommitOptions, Ingest, IngestOutcome, StoreError};
use crate::stats::Counters;

/// How long the writer sleeps between looks at its queue while it gathers
/// a batch.
const GATHER_SLICE: Duration = Duration::from_micros(250);

/// Work for the writer thread.
pub(super) enum Job {
    Ingest(Box<Ingest>, Reply<IngestOutcome>),
    /// Anything else that needs the writer connection (settings, quarantine
    /// replays, and reads of an in-memory database), run on its own between
    /// batches.
    Run(Box<dyn FnOnce(&mut Connection) + Send>),
}

type Batch = Vec<(Box<Ingest>, Reply<IngestOutcome>)>;

/// Starts the writer thread on `conn`; it runs the jobs sent to the
/// returned queue until every sender is dropped.
pub(super) fn start(
    conn: Connection,
    options: CommitOptions,
    counters: Arc<Counters>,
    acks: Acks,
) -> Result<mpsc::Sender<Job>, StoreError> {
    let (jobs, queue) = mpsc::channel();
    std::thread::Builder::new()
        .name("smsgate-sqlite-writer".into())
        .spawn(move || writer_loop(conn, queue, options, &counters, &acks))
        .map_err(|err| StoreError::Other(format!("cannot start the SQLite writer thread: {err}")))?;
    Ok(jobs)
}

/// The writer thread: runs jobs until the store (every sender) is dropped.
fn writer_loop(
    mut conn: Connection,
    queue: mpsc::Receiver<Job>,
    options: CommitOptions,
    counters: &Counters,
    acks: &Acks,
) {
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
        let (ingest, reply) = match first {
            Job::Run(work) => {
                // Outside the batches, the commit itself flushes to disk.
                let durable = acks.durable();
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
        next = gather(&queue, &mut batch, options);
        commit_batch(&mut conn, &mut batch, counters, acks);
    }
}

/// Takes what is queued into `batch`, then waits (bounded) for more; returns
/// a job that is not an ingest, to run after this batch commits. The wait is
/// a sleep in short slices rather than a blocking receive: a sender then
/// never has to wake this thread, one system call per request.
fn gather(queue: &mpsc::Receiver<Job>, batch: &mut Batch, options: CommitOptions) -> Option<Job> {
    let deadline = Instant::now() + options.commit_wait;
    while batch.len() < options.commit_batch {
        match queue.try_recv() {
            Ok(Job::Ingest(ingest, reply)) => batch.push((ingest, reply)),
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

/// Commits `batch` in one transaction and answers every ingest of it
/// (through the syncer, for a file).
fn commit_batch(conn: &mut Connection, batch: &mut Batch, counters: &Counters, acks: &Acks) {
    let mut results: Vec<Result<IngestOutcome, StoreError>> = Vec::with_capacity(batch.len());
    match run_batch(conn, batch, &mut results) {
        Ok(()) => {
            counters.committed(batch.len(), results.iter().filter(|r| r.is_ok()).count());
            acks.send(batch.drain(..).map(|(_, reply)| reply).zip(results).collect());
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
    batch: &Batch,
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
