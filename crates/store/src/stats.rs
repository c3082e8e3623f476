//! What a backend's group commit has done since the store was opened,
//! counted the same way by both backends.

use std::sync::atomic::{AtomicU64, Ordering};

/// What the writer has done since the store was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitStats {
    /// Ingest transactions committed (one per batch).
    pub transactions: u64,
    /// Ingests answered with success (each in one of those transactions).
    pub ingests: u64,
    /// The largest batch committed so far.
    pub largest_batch: u64,
}

/// The live counters behind [`CommitStats`], updated by the writers.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    transactions: AtomicU64,
    ingests: AtomicU64,
    largest_batch: AtomicU64,
}

impl Counters {
    /// Counts one committed transaction of `batch` ingests, `stored` of
    /// which were answered with success.
    pub(crate) fn committed(&self, batch: usize, stored: usize) {
        self.transactions.fetch_add(1, Ordering::Relaxed);
        self.ingests.fetch_add(stored as u64, Ordering::Relaxed);
        self.largest_batch.fetch_max(batch as u64, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> CommitStats {
        CommitStats {
            transactions: self.transactions.load(Ordering::Relaxed),
            ingests: self.ingests.load(Ordering::Relaxed),
            largest_batch: self.largest_batch.load(Ordering::Relaxed),
        }
    }
}
