//! An outbox message's rows, read by either backend in one snapshot, and
//! the view of `GET /v1/outbound/{id}` put together from them: the status
//! rule (the linked provider messages first, the outbox state otherwise)
//! is written once here for both backends.

use smsgate_normalize::views::{AttemptView, OutboundEventView, OutboundView};
use smsgate_normalize::{AttemptOutcome, OutboundStatus, Provider, Status};

use crate::outbox::{AttemptRef, ClaimedAttempt, ClaimedOutbound, OutboxState};
use crate::rows::Columns;

/// The pieces of an outbound message's view, read in one snapshot.
pub(crate) struct OutboundRows {
    pub(crate) head: OutboundHead,
    pub(crate) attempts: Vec<AttemptRow>,
    pub(crate) linked: Vec<LinkedMessage>,
    pub(crate) events: Vec<LinkedEvent>,
}

/// The columns every outbound read selects, in this order.
pub(crate) const HEAD_COLUMNS: &str =
    r#"seq, id, "to", "from", text, reference, route, segments, state, error, created_at, state_at"#;

/// A message's `outbound` row ([`HEAD_COLUMNS`]).
pub(crate) struct OutboundHead {
    pub(crate) seq: i64,
    pub(crate) id: String,
    to: String,
    from: Option<String>,
    text: String,
    reference: Option<String>,
    route: String,
    segments: u32,
    state: OutboxState,
    error: Option<String>,
    created_at: i64,
    state_at: i64,
}

pub(crate) fn outbound_head<R: Columns>(row: &R) -> Result<OutboundHead, R::Error> {
    let state = row.text(8)?;
    Ok(OutboundHead {
        seq: row.int(0)?,
        id: row.text(1)?,
        to: row.text(2)?,
        from: row.opt_text(3)?,
        text: row.text(4)?,
        reference: row.opt_text(5)?,
        route: row.text(6)?,
        segments: counter(row, 7)?,
        state: OutboxState::parse(&state)
            .ok_or_else(|| row.unexpected(8, format!("unexpected state `{state}`").into()))?,
        error: row.opt_text(9)?,
        created_at: row.int(10)?,
        state_at: row.int(11)?,
    })
}

/// A stored counter (`segments`, attempt numbers, provider positions) as
/// the outbox types hold it.
fn counter<R: Columns>(row: &R, idx: usize) -> Result<u32, R::Error> {
    u32::try_from(row.int(idx)?).map_err(|e| row.unexpected(idx, e.into()))
}

/// What a claim returns of each message, in this order (its attempts are
/// read after).
pub(crate) const CLAIMED_COLUMNS: &str = r#"id, "to", "from", text, route, provider_index, tries, segments"#;

/// A claimed message ([`CLAIMED_COLUMNS`]), without its attempts yet.
pub(crate) fn claimed_outbound<R: Columns>(row: &R) -> Result<ClaimedOutbound, R::Error> {
    Ok(ClaimedOutbound {
        id: row.text(0)?,
        to: row.text(1)?,
        from: row.opt_text(2)?,
        text: row.text(3)?,
        route: row.text(4)?,
        provider_index: counter(row, 5)?,
        tries: counter(row, 6)?,
        segments: counter(row, 7)?,
        attempts: Vec::new(),
    })
}

/// The attempt a provider message came from: `o.id, o.route, a.number,
/// a.provider`.
pub(crate) fn attempt_ref<R: Columns>(row: &R) -> Result<AttemptRef, R::Error> {
    Ok(AttemptRef {
        id: row.text(0)?,
        route: row.text(1)?,
        number: counter(row, 2)?,
        provider: row.text(3)?,
    })
}

/// The attempt columns every read selects, in this order, oldest first.
pub(crate) const ATTEMPT_COLUMNS: &str =
    "number, provider, api, provider_id, provider_message_id, submitted_at, outcome, error";

/// An `outbound_attempts` row ([`ATTEMPT_COLUMNS`]).
pub(crate) struct AttemptRow {
    number: u32,
    provider: String,
    api: String,
    provider_id: Provider,
    provider_message_id: Option<String>,
    submitted_at: i64,
    outcome: AttemptOutcome,
    error: Option<String>,
}

pub(crate) fn attempt_row<R: Columns>(row: &R) -> Result<AttemptRow, R::Error> {
    let provider_id = row.text(3)?;
    let outcome = row.text(6)?;
    Ok(AttemptRow {
        number: counter(row, 0)?,
        provider: row.text(1)?,
        api: row.text(2)?,
        provider_id: Provider::parse(&provider_id)
            .ok_or_else(|| row.unexpected(3, format!("unexpected provider `{provider_id}`").into()))?,
        provider_message_id: row.opt_text(4)?,
        submitted_at: row.int(5)?,
        outcome: AttemptOutcome::parse(&outcome)
            .ok_or_else(|| row.unexpected(6, format!("unexpected outcome `{outcome}`").into()))?,
        error: row.opt_text(7)?,
    })
}

impl AttemptRow {
    pub(crate) fn claimed(&self) -> ClaimedAttempt {
        ClaimedAttempt {
            number: self.number,
            provider: self.provider.clone(),
            outcome: self.outcome,
        }
    }
}

/// A provider message linked to an outbound message: `provider,
/// message_id, status, status_key, status_at` of `messages`.
pub(crate) struct LinkedMessage {
    pub(crate) provider: Provider,
    pub(crate) message_id: String,
    status: Status,
    status_key: String,
    status_at: Option<i64>,
}

pub(crate) fn linked_message<R: Columns>(row: &R) -> Result<LinkedMessage, R::Error> {
    let provider = row.text(0)?;
    let status = row.text(2)?;
    Ok(LinkedMessage {
        provider: Provider::parse(&provider)
            .ok_or_else(|| row.unexpected(0, format!("unexpected provider `{provider}`").into()))?,
        message_id: row.text(1)?,
        status: Status::parse(&status)
            .ok_or_else(|| row.unexpected(2, format!("unexpected status `{status}`").into()))?,
        status_key: row.text(3)?,
        status_at: row.opt_int(4)?,
    })
}

/// The event columns of a linked message, in provider-time order.
pub(crate) const EVENT_COLUMNS: &str = "status, raw_status, raw_code, description, occurred_at, received_at, channel";

/// An event of a linked message ([`EVENT_COLUMNS`]), with the message it is about.
pub(crate) struct LinkedEvent {
    pub(crate) provider: Provider,
    pub(crate) message_id: String,
    pub(crate) event: smsgate_normalize::views::MessageEventView,
}

impl OutboundRows {
    /// The message as `GET /v1/outbound/{id}` shows it.
    ///
    /// Its status: `queued` while it waits for an attempt; else the
    /// highest-precedence status of the provider message of its latest
    /// attempt that a provider may have taken (accepted or uncertain);
    /// without one, what the outbox says (`failed`, `rejected`; `accepted`
    /// when a provider took it and has reported nothing yet; `unknown` when
    /// nobody can tell whether the provider took it).
    pub(crate) fn view(self) -> OutboundView {
        let OutboundRows {
            head,
            attempts,
            linked,
            events,
        } = self;
        let submitted_to = |provider: Provider| attempts.iter().any(|a| a.provider_id == provider);
        let linked: Vec<LinkedMessage> = linked.into_iter().filter(|m| submitted_to(m.provider)).collect();
        // Which attempt a provider message belongs to: the one with its id,
        // else the last one to that provider whose answer was lost.
        let attempt_of = |provider: Provider, message_id: &str| {
            attempts
                .iter()
                .find(|a| a.provider_id == provider && a.provider_message_id.as_deref() == Some(message_id))
                .or_else(|| {
                    attempts
                        .iter()
                        .rev()
                        .find(|a| a.provider_id == provider && a.provider_message_id.is_none())
                })
        };
        // The status follows the latest attempt a provider may have taken
        // (after a reroute or a failover, the new one; the old timeline
        // stays in the events).
        let current_attempt = attempts
            .iter()
            .rev()
            .find(|a| matches!(a.outcome, AttemptOutcome::Accepted | AttemptOutcome::Uncertain));
        let current = current_attempt.and_then(|attempt| {
            linked
                .iter()
                .filter(|m| attempt_of(m.provider, &m.message_id).is_some_and(|a| a.number == attempt.number))
                .max_by(|a, b| a.status_key.cmp(&b.status_key))
        });
        let (status, status_at, error) = match (head.state, current) {
            // Queued again: waiting for its next attempt.
            (OutboxState::Queued, _) => (OutboundStatus::Queued, Some(head.created_at), head.error),
            (_, Some(message)) => (
                OutboundStatus::from(message.status),
                message.status_at.or(Some(head.state_at)),
                None,
            ),
            (OutboxState::Accepted, None) => (OutboundStatus::Accepted, Some(head.state_at), None),
            (OutboxState::Uncertain, None) => (OutboundStatus::Unknown, Some(head.state_at), head.error),
            (OutboxState::Failed, None) => (OutboundStatus::Failed, Some(head.state_at), head.error),
            (OutboxState::Rejected, None) => (OutboundStatus::Rejected, Some(head.state_at), head.error),
        };
        let events = events
            .into_iter()
            .filter(|e| {
                linked
                    .iter()
                    .any(|m| m.provider == e.provider && m.message_id == e.message_id)
            })
            .map(|e| OutboundEventView {
                provider: attempt_of(e.provider, &e.message_id)
                    .map_or_else(|| e.provider.as_str().to_string(), |a| a.provider.clone()),
                provider_message_id: e.message_id,
                status: e.event.status,
                raw_status: e.event.raw_status,
                raw_code: e.event.raw_code,
                description: e.event.description,
                occurred_at: e.event.occurred_at,
                received_at: e.event.received_at,
                channel: e.event.channel,
            })
            .collect();
        let attempts = attempts
            .iter()
            .map(|a| AttemptView {
                provider: a.provider.clone(),
                api: a.api.clone(),
                // A lost answer's id, learnt from the provider's callbacks.
                provider_message_id: a.provider_message_id.clone().or_else(|| {
                    linked
                        .iter()
                        .find(|m| {
                            m.provider == a.provider_id
                                && attempt_of(m.provider, &m.message_id).is_some_and(|x| x.number == a.number)
                        })
                        .map(|m| m.message_id.clone())
                }),
                submitted_at: a.submitted_at,
                outcome: a.outcome,
                error: a.error.clone(),
            })
            .collect();
        OutboundView {
            id: head.id,
            to: head.to,
            from: head.from,
            text: head.text,
            reference: head.reference,
            route: head.route,
            status,
            status_at,
            error,
            segments: head.segments,
            created_at: head.created_at,
            attempts,
            events,
        }
    }
}

/// Sorts linked events by provider time (events without one last), then
/// by arrival, as `/v1/messages` orders one message's events.
pub(crate) fn sort_events(events: &mut [LinkedEvent]) {
    events.sort_by_key(|e| (e.event.occurred_at.is_none(), e.event.occurred_at, e.event.received_at));
}
