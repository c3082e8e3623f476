//! Result rows to query-API views, written once for both backends.
//!
//! Both backends select the same columns in the same order for each read
//! (their SQL differs only in spelling), and each implements [`Columns`]
//! for its row type: a typed getter per SQL type this store reads, and the
//! error for a value it never writes. The mappers here are generic over
//! it, so the column order, the parsing of stored words (provider, status,
//! inbound type), the JSON payload and the feed cursors are decided in one
//! place. A mapper fails with the backend's own error type, so that each
//! backend reports conversion errors as it reports its other errors.

use smsgate_normalize::views::{
    FeedEvent, InboundView, MessageEventView, MessageSummary, MessageView, QuarantinedRequest, StatusFeedEvent,
};
use smsgate_normalize::{InboundType, Provider, Status};

use crate::contract::StoredRequest;
use crate::page::body_text;

/// A result row, as the mappers read it.
pub(crate) trait Columns {
    type Error;
    fn int(&self, idx: usize) -> Result<i64, Self::Error>;
    fn opt_int(&self, idx: usize) -> Result<Option<i64>, Self::Error>;
    fn text(&self, idx: usize) -> Result<String, Self::Error>;
    fn opt_text(&self, idx: usize) -> Result<Option<String>, Self::Error>;
    fn bytes(&self, idx: usize) -> Result<Vec<u8>, Self::Error>;
    /// A yes/no column (SQLite's 0/1 integer, PostgreSQL's BOOLEAN).
    fn flag(&self, idx: usize) -> Result<bool, Self::Error>;
    /// The error for column `idx` holding a value this store never writes.
    fn unexpected(&self, idx: usize, problem: Box<dyn std::error::Error + Send + Sync>) -> Self::Error;
}

/// A stored word (provider, status, inbound type) parsed back.
pub(crate) fn word<R: Columns, T>(row: &R, idx: usize, parse: fn(&str) -> Option<T>) -> Result<T, R::Error> {
    let text = row.text(idx)?;
    parse(&text).ok_or_else(|| row.unexpected(idx, format!("unexpected value `{text}`").into()))
}

/// A feed position as the query API spells it.
fn cursor<R: Columns>(row: &R, idx: usize) -> Result<String, R::Error> {
    Ok(row.int(idx)?.to_string())
}

/// A JSON value, stored as text.
fn json<R: Columns>(row: &R, idx: usize) -> Result<serde_json::Value, R::Error> {
    let text = row.text(idx)?;
    serde_json::from_str(&text).map_err(|err| row.unexpected(idx, err.into()))
}

/// An inbound message from column `at` on: its feed `seq`, then `provider,
/// message_id, related_message_id, "from", "to", channel, "type", text,
/// occurred_at, received_at, payload` (JSON text) of `inbound_messages`.
pub(crate) fn inbound_view<R: Columns>(row: &R, at: usize) -> Result<InboundView, R::Error> {
    Ok(InboundView {
        cursor: cursor(row, at)?,
        provider: word(row, at + 1, Provider::parse)?,
        message_id: row.text(at + 2)?,
        related_message_id: row.opt_text(at + 3)?,
        from: row.opt_text(at + 4)?,
        to: row.opt_text(at + 5)?,
        channel: row.opt_text(at + 6)?,
        kind: word(row, at + 7, InboundType::parse)?,
        text: row.opt_text(at + 8)?,
        occurred_at: row.opt_int(at + 9)?,
        received_at: row.int(at + 10)?,
        payload: json(row, at + 11)?,
    })
}

/// A feed row of either kind: `seq, status_event_id`, then `provider,
/// message_id, client_message_id, status, raw_status, raw_code, description,
/// occurred_at, received_at, channel` of the status event (NULL for an
/// inbound message), then the inbound message's columns as
/// [`inbound_view`] reads them.
pub(crate) fn feed_event<R: Columns>(row: &R) -> Result<FeedEvent, R::Error> {
    /// Where a feed row's inbound columns start.
    const INBOUND_AT: usize = 12;
    if row.opt_int(1)?.is_none() {
        return Ok(FeedEvent::Inbound(inbound_view(row, INBOUND_AT)?));
    }
    Ok(FeedEvent::Status(StatusFeedEvent {
        cursor: cursor(row, 0)?,
        provider: word(row, 2, Provider::parse)?,
        message_id: row.text(3)?,
        client_message_id: row.opt_text(4)?,
        status: word(row, 5, Status::parse)?,
        raw_status: row.opt_text(6)?,
        raw_code: row.opt_text(7)?,
        description: row.opt_text(8)?,
        occurred_at: row.opt_int(9)?,
        received_at: row.int(10)?,
        channel: row.opt_text(11)?,
    }))
}

/// One of a message's events: `status, raw_status, raw_code, description,
/// occurred_at, received_at, channel` of `status_events`.
pub(crate) fn message_event<R: Columns>(row: &R) -> Result<MessageEventView, R::Error> {
    Ok(MessageEventView {
        status: word(row, 0, Status::parse)?,
        raw_status: row.opt_text(1)?,
        raw_code: row.opt_text(2)?,
        description: row.opt_text(3)?,
        occurred_at: row.opt_int(4)?,
        received_at: row.int(5)?,
        channel: row.opt_text(6)?,
    })
}

/// A message's `messages` row, read before its events.
pub(crate) struct MessageHead {
    client_message_id: Option<String>,
    to: Option<String>,
    from: Option<String>,
    status: Status,
    status_at: Option<i64>,
}

/// A message's row: `client_message_id, "to", "from", status, status_at` of
/// `messages`.
pub(crate) fn message_head<R: Columns>(row: &R) -> Result<MessageHead, R::Error> {
    Ok(MessageHead {
        client_message_id: row.opt_text(0)?,
        to: row.opt_text(1)?,
        from: row.opt_text(2)?,
        status: word(row, 3, Status::parse)?,
        status_at: row.opt_int(4)?,
    })
}

impl MessageHead {
    /// The message with its events (read in the same snapshot).
    pub(crate) fn with_events(
        self,
        provider: Provider,
        message_id: String,
        events: Vec<MessageEventView>,
    ) -> MessageView {
        MessageView {
            provider,
            message_id,
            client_message_id: self.client_message_id,
            to: self.to,
            from: self.from,
            status: self.status,
            status_at: self.status_at,
            events,
        }
    }
}

/// A message as a search finds it: `provider, message_id,
/// client_message_id, "to", "from", status, status_at, first_seen_at,
/// submitted_at, delivered_at` of `messages`.
pub(crate) fn message_summary<R: Columns>(row: &R) -> Result<MessageSummary, R::Error> {
    Ok(MessageSummary {
        provider: word(row, 0, Provider::parse)?,
        message_id: row.text(1)?,
        client_message_id: row.opt_text(2)?,
        to: row.opt_text(3)?,
        from: row.opt_text(4)?,
        status: word(row, 5, Status::parse)?,
        status_at: row.opt_int(6)?,
        first_seen_at: row.int(7)?,
        submitted_at: row.opt_int(8)?,
        delivered_at: row.opt_int(9)?,
    })
}

/// A quarantined request as the query API lists it: `id, provider, method,
/// path, received_at, quarantine_error, body` of `raw_requests`.
pub(crate) fn quarantined_request<R: Columns>(row: &R) -> Result<QuarantinedRequest, R::Error> {
    Ok(QuarantinedRequest {
        id: row.int(0)?,
        provider: word(row, 1, Provider::parse)?,
        method: row.text(2)?,
        path: row.text(3)?,
        received_at: row.int(4)?,
        error: row.text(5)?,
        body: body_text(row.bytes(6)?),
    })
}

/// A quarantined request as it arrived, for a replay: `id, provider, method,
/// path, query, content_type, body, received_at, quarantine_error` of
/// `raw_requests`.
pub(crate) fn stored_request<R: Columns>(row: &R) -> Result<StoredRequest, R::Error> {
    Ok(StoredRequest {
        id: row.int(0)?,
        provider: word(row, 1, Provider::parse)?,
        method: row.text(2)?,
        path: row.text(3)?,
        query: row.opt_text(4)?,
        content_type: row.opt_text(5)?,
        body: row.bytes(6)?,
        received_at: row.int(7)?,
        error: row.text(8)?,
    })
}
