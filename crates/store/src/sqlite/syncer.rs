//! The syncer thread, and how the answers to a committed batch leave: no
//! ingest is answered before the transaction holding it is on disk.
//!
//! The writer commits with `synchronous=NORMAL` (no flush of its own) and
//! hands the batch's answers over here ([`Acks::send`]); the syncer flushes
//! the write-ahead log (one `fdatasync` for every batch committed since its
//! last one), then answers, while the writer already runs the next batch.
//! So the flush of one batch overlaps the work of the next. An in-memory
//! database has nothing to flush and is answered at once.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use tokio::sync::oneshot;

use super::writes::Written;
use crate::contract::StoreError;

/// Where the answer to one call on the writer goes.
pub(super) type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// The answers to a committed batch, one per ingest.
pub(super) type Answers = Vec<(Reply<Written>, Result<Written, StoreError>)>;

/// When the answers to a committed batch go out.
pub(super) enum Acks {
    /// At once (an in-memory database: there is nothing to flush).
    Now,
    /// Once the syncer has flushed the write-ahead log.
    AfterSync(mpsc::Sender<Answers>),
}

impl Acks {
    /// Answers at once when `wal` is `None`; else starts the syncer thread
    /// for the write-ahead log at `wal`, which stops once this is dropped.
    pub(super) fn start(wal: Option<PathBuf>) -> Result<Acks, StoreError> {
        let Some(wal) = wal else {
            return Ok(Acks::Now);
        };
        let (synced, unsynced) = mpsc::channel();
        std::thread::Builder::new()
            // Short: Linux keeps 15 bytes of a thread name (`top -H`, `/proc`).
            .name("sqlite-syncer".into())
            .spawn(move || syncer_loop(&wal, unsynced))
            .map_err(|err| StoreError::Other(format!("cannot start the SQLite syncer thread: {err}")))?;
        Ok(Acks::AfterSync(synced))
    }

    /// Whether the commits of work outside a batch must flush by
    /// themselves: they are answered at once, not through the syncer.
    pub(super) fn durable(&self) -> bool {
        matches!(self, Acks::AfterSync(_))
    }

    /// Sends the answers of a committed batch (through the syncer, for a
    /// file).
    pub(super) fn send(&self, answers: Answers) {
        match self {
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
}

fn answer(answers: Answers) {
    for (reply, result) in answers {
        // The caller may have gone away meanwhile; its work is done anyway.
        let _ = reply.send(result);
    }
}

/// The syncer thread: flushes the write-ahead log, then answers the ingests
/// of every batch committed before the flush. A failed flush is sticky (the
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
