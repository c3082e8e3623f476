//! The writes the writer thread group-commits, and what each stored: a
//! module of its own because both the writer (which runs them) and the
//! syncer (which hands their answers out) speak of them.

use crate::contract::{Ingest, IngestOutcome};
use crate::outbox::{Enqueued, NewOutbound};

/// The writes that are group-committed: callbacks, and messages put in
/// the outbox (both acknowledged to a client only once on disk).
pub(crate) enum Write {
    Ingest(Ingest),
    Enqueue(NewOutbound),
}

/// What a [`Write`] stored.
pub(crate) enum Written {
    Ingest(IngestOutcome),
    Enqueue(Enqueued),
}
