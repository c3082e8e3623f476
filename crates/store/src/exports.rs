//! Exports (pushing every stored event to other services): what the store
//! keeps for each, once for both backends.
//!
//! An export is a row of `exports`: its *cursor* (the feed position it has
//! delivered up to, so that a restart or `kill -9` resumes there), the
//! replica that runs it and until when (a *lease*: of several replicas one
//! runs each export, and when it dies another takes over once the lease
//! ends), and its latest error. Beside it, its *dead letters* (events given
//! up on after the last retry) and its *replays* (time ranges of the feed
//! to send again, each with a position of its own). A replica moves all of
//! them in one transaction per step ([`ExportProgress`]), and only while it
//! holds the lease, so a replica that lost it changes nothing.

use smsgate_normalize::views::DeadLetterView;

/// What a replica holding an export's lease starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldExport {
    /// The feed position delivered up to; `None` from the start.
    pub cursor: Option<String>,
    /// Replays to send, oldest first.
    pub replays: Vec<Replay>,
}

/// A queued replay: the events received from `since` to `until` (ms,
/// inclusive), read from the feed after `position`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    pub id: i64,
    pub since: Option<i64>,
    pub until: i64,
    /// The feed position read up to; `None` from the start.
    pub position: Option<String>,
}

/// One step of an export, stored at once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportProgress {
    /// The feed position delivered up to now, when it moved.
    pub cursor: Option<String>,
    /// A replay's new position, or its end.
    pub replay: Option<ReplayProgress>,
    /// Events given up on (kept, or updated when already there).
    pub dead_letters: Vec<DeadLetterView>,
    /// Feed cursors of events delivered now: their dead letters go.
    pub delivered: Vec<String>,
    /// The latest delivery error; `None` once a delivery went through.
    pub last_error: Option<String>,
}

/// Where a replay got to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayProgress {
    /// Read up to this feed position.
    At { id: i64, position: String },
    /// Read to the end: the replay is done and goes.
    Done { id: i64 },
}

/// An export as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRecord {
    pub name: String,
    pub cursor: Option<String>,
    /// The replica that holds (or last held) it.
    pub owner: Option<String>,
    /// Its lease ends then (ms since the epoch).
    pub lease_until: i64,
    pub last_error: Option<String>,
    /// Feed events after `cursor`.
    pub lag: i64,
}

/// A dead letter's event as stored (JSON of the feed event).
pub(crate) fn event_json(dead: &DeadLetterView) -> String {
    serde_json::to_string(&dead.event).expect("a feed event serializes")
}

/// A dead letter from its stored columns.
pub(crate) fn dead_letter(
    event: &str,
    error: String,
    attempts: u32,
    failed_at: i64,
) -> Result<DeadLetterView, serde_json::Error> {
    let event: smsgate_normalize::views::FeedEvent = serde_json::from_str(event)?;
    Ok(DeadLetterView {
        id: event.id(),
        error,
        attempts,
        failed_at,
        event,
    })
}
