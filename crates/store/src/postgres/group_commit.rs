//! Group commit on PostgreSQL: concurrent [`Store::ingest`] calls share one
//! transaction, written with one multi-row statement per table
//! (`batch.rs`), and are answered once its COMMIT has returned.
//!
//! A gatherer task takes the ingests waiting in the queue (up to
//! [`CommitOptions::commit_batch`], waiting at most
//! [`CommitOptions::commit_wait`] for more once it has one) and hands the
//! batch to a writer task; at most [`WRITERS`] batches are in flight at
//! once, so that one batch is gathered and written while another commits.
//! Concurrent batches take their locks in the same global order as other
//! replicas do, so they cannot deadlock each other.
//!
//! Answers:
//! - the caller gave up before its batch was written: not written;
//! - COMMIT returned: each ingest gets its outcome;
//! - COMMIT failed, or any error that aborts the transaction as a whole
//!   (connection lost, timeout, server shutting down): every ingest of the
//!   batch gets the error ([`StoreError::Unavailable`] for a failed
//!   COMMIT), never success;
//! - one ingest's data was refused (an error PostgreSQL would raise for
//!   that ingest alone, such as a NUL byte in a text): the batch is rolled
//!   back and run again, in one transaction, one savepoint per ingest; the
//!   refused one gets its error and the others commit. Validating before
//!   writing would have to foresee every error PostgreSQL can raise; the
//!   savepoints find the culprit whatever the error, and cost nothing
//!   unless there is one. The retry first takes every message lock of the
//!   batch, in lock order, so that ingests taking theirs one by one still
//!   take them in the global order. (Their inbound messages are inserted
//!   one ingest at a time, so not in one global order: a deadlock with
//!   another transaction is possible there, on this rare path only;
//!   PostgreSQL detects it, and the batch gets [`StoreError::Unavailable`],
//!   so its callers retry.)
//!
//! [`Store::ingest`]: crate::Store::ingest

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::time::Instant;

use super::batch::{self, Stored, Tx};
use super::errors::{pg_error, pool_error};
use crate::contract::{CommitOptions, Ingest, IngestOutcome, Parsed, StoreError};
use crate::stats::{CommitStats, Counters};

/// Batches in flight (being written or committed) at once, per store.
const WRITERS: usize = 4;

type Answer = Result<IngestOutcome, StoreError>;

struct Pending {
    ingest: Ingest,
    reply: oneshot::Sender<Answer>,
}

/// The queue of ingests waiting for a batch.
pub(super) struct GroupCommit {
    queue: mpsc::UnboundedSender<Pending>,
    counters: Arc<Counters>,
}

/// What a writer task needs to write and commit a batch.
struct Writer {
    pool: Pool,
    lock_class: i32,
    /// The longest a batch may take, connection wait included.
    deadline: Duration,
    counters: Arc<Counters>,
}

impl GroupCommit {
    /// Starts the gatherer on the current tokio runtime; it stops when this
    /// is dropped (and the batches in flight have been answered).
    pub fn start(pool: Pool, lock_class: i32, options: CommitOptions, deadline: Duration) -> GroupCommit {
        let (queue, pending) = mpsc::unbounded_channel();
        let counters = Arc::new(Counters::default());
        let writer = Arc::new(Writer {
            pool,
            lock_class,
            deadline,
            counters: counters.clone(),
        });
        tokio::spawn(gather(pending, writer, options));
        GroupCommit { queue, counters }
    }

    /// Queues `ingest` and waits for the commit of its batch.
    pub async fn ingest(&self, ingest: Ingest) -> Answer {
        let stopped = || StoreError::Unavailable("the PostgreSQL writer has stopped".into());
        let (reply, answer) = oneshot::channel();
        self.queue.send(Pending { ingest, reply }).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    pub fn stats(&self) -> CommitStats {
        self.counters.snapshot()
    }
}

/// The gatherer: forms batches and hands each to a writer task, until the
/// queue's sender is dropped.
async fn gather(mut pending: mpsc::UnboundedReceiver<Pending>, writer: Arc<Writer>, options: CommitOptions) {
    let permits = Arc::new(Semaphore::new(WRITERS));
    let limit = options.commit_batch;
    while let Some(first) = pending.recv().await {
        let mut batch = vec![first];
        let deadline = Instant::now() + options.commit_wait;
        while batch.len() < limit {
            match tokio::time::timeout_at(deadline, pending.recv()).await {
                Ok(Some(next)) => batch.push(next),
                Ok(None) | Err(_) => break,
            }
        }
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        // What queued while every writer was busy joins this batch.
        while batch.len() < limit {
            match pending.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let writer = writer.clone();
        tokio::spawn(async move {
            writer.commit(batch).await;
            drop(permit);
        });
    }
}

impl Writer {
    /// Writes and commits `batch`, then answers each of its ingests.
    async fn commit(&self, mut batch: Vec<Pending>) {
        // A caller that gave up (its deadline passed while the batch was
        // waiting for a writer, or its client went away) was answered 503,
        // or nobody: its callback is not written, so that a backlog of
        // abandoned ingests does not keep PostgreSQL busy while providers
        // retry.
        batch.retain(|pending| !pending.reply.is_closed());
        if batch.is_empty() {
            return;
        }
        let ingests: Vec<&Ingest> = batch.iter().map(|pending| &pending.ingest).collect();
        let answers = match tokio::time::timeout(self.deadline, self.run(&ingests)).await {
            Ok(Ok(answers)) => {
                let stored = answers.iter().filter(|answer| answer.is_ok()).count();
                self.counters.committed(answers.len(), stored);
                answers
            }
            Ok(Err(error)) => vec![Err(error); batch.len()],
            // Dropping the transaction rolled it back.
            Err(_) => vec![
                Err(StoreError::Unavailable(format!(
                    "PostgreSQL did not commit within {:?}",
                    self.deadline
                )));
                batch.len()
            ],
        };
        for (pending, answer) in batch.into_iter().zip(answers) {
            // The caller may have given up (deadline, client gone).
            let _ = pending.reply.send(answer);
        }
    }

    /// `Ok` once COMMIT returned, with one answer per ingest; `Err` if the
    /// transaction did not commit (then nothing of the batch is stored).
    async fn run(&self, ingests: &[&Ingest]) -> Result<Vec<Answer>, StoreError> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await.map_err(pg_error)?;
        match batch::write_ingests(&tx, self.lock_class, ingests).await {
            Ok(written) => {
                batch::append_feed(&tx, written.iter().map(|(_, stored)| stored)).await?;
                commit(tx).await?;
                Ok(written.into_iter().map(|(outcome, _)| Ok(outcome)).collect())
            }
            // One ingest's data was refused: find which (see the module docs).
            Err(StoreError::Other(_)) if ingests.len() > 1 => {
                tx.rollback().await.map_err(pg_error)?;
                let tx = client.transaction().await.map_err(pg_error)?;
                let answers = self.one_by_one(&tx, ingests).await?;
                commit(tx).await?;
                Ok(answers)
            }
            Err(error) => Err(error),
        }
    }

    /// Writes each ingest in a savepoint of its own: an ingest whose data
    /// is refused gets its error, the others are written (feed rows last).
    /// `Err` when the transaction as a whole failed.
    async fn one_by_one(&self, tx: &Tx<'_>, ingests: &[&Ingest]) -> Result<Vec<Answer>, StoreError> {
        let events = ingests.iter().flat_map(|ingest| match &ingest.parsed {
            Parsed::Events { status, .. } => status.as_slice(),
            Parsed::Quarantined { .. } => &[],
        });
        batch::lock_messages(tx, self.lock_class, events).await?;
        let mut answers = Vec::with_capacity(ingests.len());
        let mut stored: Vec<Stored> = Vec::with_capacity(ingests.len());
        for &ingest in ingests {
            tx.batch_execute("SAVEPOINT ingest").await.map_err(pg_error)?;
            match batch::write_ingests(tx, self.lock_class, &[ingest]).await {
                Ok(written) => {
                    tx.batch_execute("RELEASE ingest").await.map_err(pg_error)?;
                    for (outcome, unit) in written {
                        answers.push(Ok(outcome));
                        stored.push(unit);
                    }
                }
                Err(error @ StoreError::Other(_)) => {
                    tx.batch_execute("ROLLBACK TO ingest; RELEASE ingest")
                        .await
                        .map_err(pg_error)?;
                    answers.push(Err(error));
                }
                Err(error) => return Err(error),
            }
        }
        batch::append_feed(tx, stored.iter()).await?;
        Ok(answers)
    }
}

/// Commits `tx`. A failed COMMIT stored nothing: every ingest of the batch
/// is told to retry, never acknowledged.
async fn commit(tx: Tx<'_>) -> Result<(), StoreError> {
    tx.commit().await.map_err(|err| {
        let error = match pg_error(err) {
            StoreError::Unavailable(text) | StoreError::Other(text) | StoreError::BadCursor(text) => text,
        };
        StoreError::Unavailable(format!("COMMIT failed: {error}"))
    })
}
