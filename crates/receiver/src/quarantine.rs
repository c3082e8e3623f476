//! Replaying quarantined callbacks: what this version's parsers make of a
//! request that could not be parsed when it arrived, and storing that
//! exactly as the receiver would have (dedup, feed, the status
//! compare-and-set, the original `received_at`) while taking the request
//! out of the quarantine, in one transaction ([`Store::resolve_quarantined`]).
//! `smsgate quarantine replay` and the console's replay button both call
//! [`replay`], so a request replays the same way from either.

use smsgate_callbacks::{Callback, Input, Route};
use smsgate_store::{IngestOutcome, Store, StoreError, StoredRequest};

/// What a replay did with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// It parsed; its events were stored (or found already stored) and it
    /// left the quarantine.
    Replayed(IngestOutcome),
    /// It parsed, but another replay took it out of the quarantine first.
    AlreadyReplayed,
    /// It still does not parse (the reason); it stays quarantined.
    StillQuarantined(String),
}

/// What the current code makes of a stored request.
pub fn reparse(request: &StoredRequest) -> Result<Callback, String> {
    let Some(route) = Route::ALL.into_iter().find(|route| route.path() == request.path) else {
        return Err(format!("no callback route at {}", request.path));
    };
    let input = if request.method.eq_ignore_ascii_case("GET") {
        Input::Query(request.query.as_deref().unwrap_or_default())
    } else {
        Input::Body(&request.body)
    };
    smsgate_callbacks::parse(route, input).map_err(|unparseable| unparseable.0)
}

/// Parses `request` again and, if it parses now, stores its events and
/// takes it out of the quarantine (once, however often this runs).
pub async fn replay(store: &dyn Store, request: &StoredRequest) -> Result<Replay, StoreError> {
    let callback = match reparse(request) {
        Ok(callback) => callback,
        Err(error) => return Ok(Replay::StillQuarantined(error)),
    };
    let events = callback.status.len() + callback.inbound.len();
    let outcome = store
        .resolve_quarantined(request.id, callback.status, callback.inbound)
        .await?;
    // A resolve counts every event as stored or duplicate; none at all
    // means another replay took the request first.
    if events > 0 && outcome.status_events_stored + outcome.inbound_stored + outcome.duplicates == 0 {
        return Ok(Replay::AlreadyReplayed);
    }
    Ok(Replay::Replayed(outcome))
}
