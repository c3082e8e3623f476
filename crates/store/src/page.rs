//! The query API's paging and quarantine rules, which every backend applies
//! alike: a feed cursor is one spelling of one feed position, a cursor the
//! store never handed out is refused, a page's next cursor is its last row's
//! (or the caller's own when nothing is new), and a quarantined body is shown
//! as text or base64. Only the SQL that reads the rows differs per backend.

use base64::Engine;
use smsgate_normalize::views::{
    EventsPage, FeedEvent, InboundPage, InboundView, OutboundPage, OutboundView, QuarantinedRequest,
};

use crate::contract::{StoreError, StoredRequest};

/// Where a feed read starts: the feed `seq` after which rows are wanted, and
/// the caller's spelling of it, which is the next cursor of a page with
/// nothing new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FeedCursor {
    /// Rows with a greater `seq` are wanted.
    pub(crate) after: i64,
    text: String,
}

impl FeedCursor {
    /// A feed cursor: a feed `seq` in decimal. Anything else is a bad cursor
    /// (`+1`, `-1`, ` 1` included), so that cursors stay one spelling per
    /// position. `None` is the start, spelled `"0"`.
    pub(crate) fn parse(after: Option<&str>) -> Result<FeedCursor, StoreError> {
        let Some(text) = after else {
            return Ok(FeedCursor {
                after: 0,
                text: "0".to_string(),
            });
        };
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::BadCursor(text.to_string()));
        }
        let after = text
            .parse::<i64>()
            .map_err(|_| StoreError::BadCursor(text.to_string()))?;
        Ok(FeedCursor {
            after,
            text: text.to_string(),
        })
    }

    /// The page of `events` read after this cursor, `newest` being the
    /// highest `seq` ever handed out when they were read.
    pub(crate) fn events_page(self, events: Vec<FeedEvent>, newest: i64) -> Result<EventsPage, StoreError> {
        self.refuse_if_from_the_future(newest)?;
        let next_cursor = events.last().map_or(self.text, |event| event.cursor().to_string());
        Ok(EventsPage { events, next_cursor })
    }

    /// The page of inbound `messages` read after this cursor (see
    /// [`FeedCursor::events_page`]).
    pub(crate) fn inbound_page(self, messages: Vec<InboundView>, newest: i64) -> Result<InboundPage, StoreError> {
        self.refuse_if_from_the_future(newest)?;
        let next_cursor = messages.last().map_or(self.text, |message| message.cursor.clone());
        Ok(InboundPage { messages, next_cursor })
    }

    /// The page of outbound messages read after this cursor (the
    /// outbox's own `seq`s, in acceptance order).
    pub(crate) fn outbound_page(self, messages: Vec<(i64, OutboundView)>) -> OutboundPage {
        let next_cursor = messages.last().map_or(self.text, |(seq, _)| seq.to_string());
        OutboundPage {
            messages: messages.into_iter().map(|(_, message)| message).collect(),
            next_cursor,
        }
    }

    /// A cursor past every seq ever handed out cannot come from this store
    /// (say, the database was replaced): answering "nothing new" would make
    /// the consumer silently skip everything committed later.
    fn refuse_if_from_the_future(&self, newest: i64) -> Result<(), StoreError> {
        if self.after > newest {
            Err(StoreError::BadCursor(self.text.clone()))
        } else {
            Ok(())
        }
    }
}

/// The feed `seq` a cursor names (an export's dead letters are keyed by it).
pub(crate) fn feed_position(cursor: &str) -> Result<i64, StoreError> {
    FeedCursor::parse(Some(cursor)).map(|c| c.after)
}

/// A page size as SQL wants it.
pub(crate) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A quarantined body as the query API shows it: the text when it is UTF-8,
/// else base64.
pub(crate) fn body_text(body: Vec<u8>) -> String {
    match String::from_utf8(body) {
        Ok(text) => text,
        Err(err) => base64::engine::general_purpose::STANDARD.encode(err.as_bytes()),
    }
}

impl StoredRequest {
    /// The request as `/v1/quarantine` shows it (the body as text or base64).
    pub fn view(&self) -> QuarantinedRequest {
        QuarantinedRequest {
            id: self.id,
            provider: self.provider,
            method: self.method.clone(),
            path: self.path.clone(),
            received_at: self.received_at,
            error: self.error.clone(),
            body: body_text(self.body.clone()),
        }
    }
}
