//! What a sink reports of a page of events, in a module of its own so that
//! the sinks and the enum that picks them need not import each other.

use smsgate_normalize::views::DeadLetterView;

/// How a page of events went.
#[derive(Debug, Default)]
pub(crate) struct Sent {
    /// The first `handled` events are done with (delivered or dead-lettered);
    /// the rest must be sent again.
    pub handled: usize,
    /// Events given up on after their last retry.
    pub dead: Vec<DeadLetterView>,
    /// Why the page stopped short, or the latest failure of an event that
    /// then was dead-lettered.
    pub error: Option<String>,
}
