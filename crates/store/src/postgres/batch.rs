//! The writes of a batch of ingests: one multi-row statement per table for
//! the whole batch (`INSERT ... SELECT * FROM unnest($1::text[], ...)`),
//! whatever its size, in the order `postgres.rs` explains:
//!
//! 1. the raw requests;
//! 2. the advisory locks of every message the batch has new status events
//!    for, in one statement, in lock-key order;
//! 3. the status events (`ON CONFLICT DO NOTHING`: a row that comes back
//!    is new, one that does not is a duplicate), then one compare-and-set
//!    upsert per message, aggregated over the batch (a multi-row upsert may
//!    not touch a row twice);
//! 4. the inbound messages, in `(provider, message_id)` order;
//! 5. last, under the feed lock, the feed rows ([`append_feed`]).
//!
//! Dedup inside a batch happens here, before PostgreSQL: the first event
//! with a key (in batch order) is the one stored, the others are counted as
//! duplicates. Across batches and replicas the unique constraints do it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use smsgate_normalize::{InboundMessage, StatusEvent};

use super::errors::{get, pg_error};
use super::locks::{TAKE_FEED_LOCK, message_lock_key};
use crate::contract::{Ingest, IngestOutcome, Parsed, StoreError};
use crate::search_sql::Milestones;

/// The transaction a batch is written in.
pub(super) type Tx<'a> = deadpool_postgres::Transaction<'a>;

/// The events of one raw request, to store.
pub(super) struct Unit<'a> {
    pub raw_request_id: i64,
    pub received_at: i64,
    pub status: &'a [StatusEvent],
    pub inbound: &'a [InboundMessage],
}

/// What was made of a [`Unit`]'s events, in the order they came: the new
/// row's id, or `None` for a duplicate.
#[derive(Debug, Default)]
pub(super) struct Stored {
    status: Vec<Option<i64>>,
    inbound: Vec<Option<i64>>,
}

impl Stored {
    /// Adds what was stored to `outcome`.
    pub fn count_into(&self, outcome: &mut IngestOutcome) {
        outcome.status_events_stored += self.status.iter().flatten().count();
        outcome.inbound_stored += self.inbound.iter().flatten().count();
        outcome.duplicates += self
            .status
            .iter()
            .chain(&self.inbound)
            .filter(|id| id.is_none())
            .count();
    }
}

/// Writes `ingests` (raw requests and their events, no feed rows yet):
/// what each one stored, in order.
pub(super) async fn write_ingests(
    tx: &Tx<'_>,
    lock_class: i32,
    ingests: &[&Ingest],
) -> Result<Vec<(IngestOutcome, Stored)>, StoreError> {
    let raw_ids = insert_raw_requests(tx, ingests).await?;
    let units: Vec<Unit> = ingests
        .iter()
        .zip(&raw_ids)
        .map(|(ingest, &raw_request_id)| {
            let (status, inbound) = match &ingest.parsed {
                Parsed::Events { status, inbound } => (status.as_slice(), inbound.as_slice()),
                Parsed::Quarantined { .. } => (&[][..], &[][..]),
            };
            Unit {
                raw_request_id,
                received_at: ingest.raw.received_at,
                status,
                inbound,
            }
        })
        .collect();
    let stored = store_events(tx, lock_class, &units).await?;
    Ok(ingests
        .iter()
        .zip(stored)
        .map(|(ingest, stored)| {
            let mut outcome = IngestOutcome {
                quarantined: matches!(ingest.parsed, Parsed::Quarantined { .. }),
                ..IngestOutcome::default()
            };
            stored.count_into(&mut outcome);
            (outcome, stored)
        })
        .collect())
}

const INSERT_RAW_REQUESTS: &str = "
    INSERT INTO raw_requests (provider, method, path, query, content_type, body, received_at, quarantine_error)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::int8[],
                         $8::text[])
    RETURNING id";

/// The new raw requests' ids, in the order of `ingests`. The identity
/// column takes its values from a sequence as the rows are inserted, in
/// `unnest`'s order: so the returned ids, sorted, are in that order.
async fn insert_raw_requests(tx: &Tx<'_>, ingests: &[&Ingest]) -> Result<Vec<i64>, StoreError> {
    let raws = ingests.iter().map(|ingest| &ingest.raw);
    let providers: Vec<&str> = raws.clone().map(|raw| raw.provider.as_str()).collect();
    let methods: Vec<&str> = raws.clone().map(|raw| raw.method.as_str()).collect();
    let paths: Vec<&str> = raws.clone().map(|raw| raw.path.as_str()).collect();
    let queries: Vec<Option<&str>> = raws.clone().map(|raw| raw.query.as_deref()).collect();
    let content_types: Vec<Option<&str>> = raws.clone().map(|raw| raw.content_type.as_deref()).collect();
    let bodies: Vec<&[u8]> = raws.clone().map(|raw| raw.body.as_slice()).collect();
    let received: Vec<i64> = raws.map(|raw| raw.received_at).collect();
    let errors: Vec<Option<&str>> = ingests
        .iter()
        .map(|ingest| match &ingest.parsed {
            Parsed::Quarantined { error } => Some(error.as_str()),
            Parsed::Events { .. } => None,
        })
        .collect();
    let statement = tx.prepare_cached(INSERT_RAW_REQUESTS).await.map_err(pg_error)?;
    let rows = tx
        .query(
            &statement,
            &[
                &providers,
                &methods,
                &paths,
                &queries,
                &content_types,
                &bodies,
                &received,
                &errors,
            ],
        )
        .await
        .map_err(pg_error)?;
    let mut ids = rows
        .iter()
        .map(|row| row.try_get(0).map_err(pg_error))
        .collect::<Result<Vec<i64>, _>>()?;
    if ids.len() != ingests.len() {
        return Err(StoreError::Other(format!(
            "{} raw requests inserted for {} ingests",
            ids.len(),
            ingests.len()
        )));
    }
    ids.sort_unstable();
    Ok(ids)
}

const LOCK_MESSAGES: &str = "SELECT pg_advisory_xact_lock($1, k) FROM unnest($2::int4[]) AS k";

const INSERT_STATUS_EVENTS: &str = "
    INSERT INTO status_events (provider, message_id, dedup_key, status, raw_status, raw_code, description,
                               occurred_at, received_at, channel, client_message_id, raw_request_id)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::int8[], $9::int8[], $10::text[], $11::text[], $12::int8[])
    ON CONFLICT (provider, dedup_key) DO NOTHING
    RETURNING id, provider, dedup_key";

/// SQLite's compare-and-set (`sqlite/ingest.rs`), in PostgreSQL's
/// spelling, one row per message (`LEAST` ignores NULLs, as SQLite's
/// `COALESCE(MIN(..))` does). Its `status_at` subqueries see every
/// event of the message committed by a transaction that held the message's
/// lock before (they run in a later statement than the lock) and this
/// transaction's own.
const UPSERT_MESSAGES: &str = r#"
    INSERT INTO messages AS m (provider, message_id, client_message_id, "to", "from", status, status_key, status_at,
                               first_seen_at, submitted_at, delivered_at)
    SELECT u.provider, u.message_id, u.client_message_id, u."to", u."from", u.status, u.status_key,
           (SELECT MIN(e.occurred_at) FROM status_events e
            WHERE e.provider = u.provider AND e.message_id = u.message_id AND e.status = u.status),
           u.first_seen_at, u.submitted_at, u.delivered_at
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                $8::int8[], $9::int8[], $10::int8[])
         AS u (provider, message_id, client_message_id, "to", "from", status, status_key,
               first_seen_at, submitted_at, delivered_at)
    ON CONFLICT (provider, message_id) DO UPDATE SET
        status = CASE WHEN EXCLUDED.status_key > m.status_key THEN EXCLUDED.status ELSE m.status END,
        status_key = CASE WHEN EXCLUDED.status_key > m.status_key THEN EXCLUDED.status_key ELSE m.status_key END,
        status_at = (SELECT MIN(e.occurred_at) FROM status_events e
                     WHERE e.provider = EXCLUDED.provider AND e.message_id = EXCLUDED.message_id
                       AND e.status = CASE WHEN EXCLUDED.status_key > m.status_key
                                           THEN EXCLUDED.status ELSE m.status END),
        client_message_id = COALESCE(m.client_message_id, EXCLUDED.client_message_id),
        "to" = COALESCE(m."to", EXCLUDED."to"),
        "from" = COALESCE(m."from", EXCLUDED."from"),
        first_seen_at = LEAST(m.first_seen_at, EXCLUDED.first_seen_at),
        submitted_at = LEAST(m.submitted_at, EXCLUDED.submitted_at),
        delivered_at = LEAST(m.delivered_at, EXCLUDED.delivered_at)"#;

const INSERT_INBOUND: &str = r#"
    INSERT INTO inbound_messages (provider, message_id, related_message_id, "from", "to", channel, "type", text,
                                  occurred_at, received_at, payload, raw_request_id)
    SELECT u.provider, u.message_id, u.related_message_id, u."from", u."to", u.channel, u."type", u.text,
           u.occurred_at, u.received_at, u.payload::json, u.raw_request_id
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                $9::int8[], $10::int8[], $11::text[], $12::int8[])
         AS u (provider, message_id, related_message_id, "from", "to", channel, "type", text,
               occurred_at, received_at, payload, raw_request_id)
    ON CONFLICT (provider, message_id) DO NOTHING
    RETURNING id, provider, message_id"#;

/// Stores each event of `units` not stored before (the first of equal ones
/// inside the batch) and moves its message's status: what each unit stored.
pub(super) async fn store_events(tx: &Tx<'_>, lock_class: i32, units: &[Unit<'_>]) -> Result<Vec<Stored>, StoreError> {
    let mut stored: Vec<Stored> = units
        .iter()
        .map(|unit| Stored {
            status: vec![None; unit.status.len()],
            inbound: vec![None; unit.inbound.len()],
        })
        .collect();
    // (unit, event) of each status event first with its key in the batch.
    let mut seen = HashMap::new();
    let status: Vec<(usize, usize)> = units
        .iter()
        .enumerate()
        .flat_map(|(u, unit)| unit.status.iter().enumerate().map(move |(i, e)| (u, i, e)))
        .filter(|(_, _, e)| seen.insert((e.provider.as_str(), e.dedup_key.as_str()), ()).is_none())
        .map(|(u, i, _)| (u, i))
        .collect();
    if !status.is_empty() {
        lock_messages(tx, lock_class, status.iter().map(|&(u, i)| &units[u].status[i])).await?;
        let new = insert_status_events(tx, units, &status).await?;
        let mut inserted = Vec::new();
        for &(u, i) in &status {
            let e = &units[u].status[i];
            if let Some(&id) = new.get(&(e.provider.as_str().to_string(), e.dedup_key.clone())) {
                stored[u].status[i] = Some(id);
                inserted.push((e, units[u].received_at));
            }
        }
        upsert_messages(tx, &inserted).await?;
    }
    // Inbound messages first with their id in the batch, in key order.
    let mut inbound: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    for (u, unit) in units.iter().enumerate() {
        for (i, message) in unit.inbound.iter().enumerate() {
            inbound
                .entry((message.provider.as_str(), message.message_id.as_str()))
                .or_insert((u, i));
        }
    }
    if !inbound.is_empty() {
        let new = insert_inbound(tx, units, inbound.values()).await?;
        for (key, &(u, i)) in &inbound {
            stored[u].inbound[i] = new.get(&(key.0.to_string(), key.1.to_string())).copied();
        }
    }
    Ok(stored)
}

/// Takes the advisory locks of the messages of `events`, in one statement,
/// in lock-key order (see `postgres.rs`): held until the transaction ends.
pub(super) async fn lock_messages<'a>(
    tx: &Tx<'_>,
    lock_class: i32,
    events: impl Iterator<Item = &'a StatusEvent>,
) -> Result<(), StoreError> {
    let keys: BTreeSet<i32> = events
        .map(|e| message_lock_key(e.provider.as_str(), &e.message_id))
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    let keys: Vec<i32> = keys.into_iter().collect();
    let statement = tx.prepare_cached(LOCK_MESSAGES).await.map_err(pg_error)?;
    tx.execute(&statement, &[&lock_class, &keys]).await.map_err(pg_error)?;
    Ok(())
}

/// Inserts the status events `which` names: the new ones' ids by
/// `(provider, dedup_key)`.
async fn insert_status_events(
    tx: &Tx<'_>,
    units: &[Unit<'_>],
    which: &[(usize, usize)],
) -> Result<HashMap<(String, String), i64>, StoreError> {
    let events = || which.iter().map(|&(u, i)| (&units[u], &units[u].status[i]));
    let providers: Vec<&str> = events().map(|(_, e)| e.provider.as_str()).collect();
    let message_ids: Vec<&str> = events().map(|(_, e)| e.message_id.as_str()).collect();
    let dedup_keys: Vec<&str> = events().map(|(_, e)| e.dedup_key.as_str()).collect();
    let statuses: Vec<&str> = events().map(|(_, e)| e.status.as_str()).collect();
    let raw_statuses: Vec<Option<&str>> = events().map(|(_, e)| e.raw_status.as_deref()).collect();
    let raw_codes: Vec<Option<&str>> = events().map(|(_, e)| e.raw_code.as_deref()).collect();
    let descriptions: Vec<Option<&str>> = events().map(|(_, e)| e.description.as_deref()).collect();
    let occurred: Vec<Option<i64>> = events().map(|(_, e)| e.occurred_at).collect();
    let received: Vec<i64> = events().map(|(unit, _)| unit.received_at).collect();
    let channels: Vec<Option<&str>> = events().map(|(_, e)| e.channel.as_deref()).collect();
    let client_ids: Vec<Option<&str>> = events().map(|(_, e)| e.client_message_id.as_deref()).collect();
    let raw_ids: Vec<i64> = events().map(|(unit, _)| unit.raw_request_id).collect();
    let statement = tx.prepare_cached(INSERT_STATUS_EVENTS).await.map_err(pg_error)?;
    let rows = tx
        .query(
            &statement,
            &[
                &providers,
                &message_ids,
                &dedup_keys,
                &statuses,
                &raw_statuses,
                &raw_codes,
                &descriptions,
                &occurred,
                &received,
                &channels,
                &client_ids,
                &raw_ids,
            ],
        )
        .await
        .map_err(pg_error)?;
    rows.iter()
        .map(|row| Ok(((get(row, 1)?, get(row, 2)?), get(row, 0)?)))
        .collect()
}

/// One row of the messages upsert: a message's new events of the batch
/// folded as successive compare-and-sets would fold them.
struct MessageRow<'a> {
    client_message_id: Option<&'a str>,
    to: Option<&'a str>,
    from: Option<&'a str>,
    status: &'a str,
    status_key: String,
    times: Milestones,
}

/// Moves the status of the messages of `events` (new events with their
/// receipt times, in batch order), one row per message, in `(provider,
/// message_id)` order.
async fn upsert_messages(tx: &Tx<'_>, events: &[(&StatusEvent, i64)]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let mut messages: BTreeMap<(&str, &str), MessageRow> = BTreeMap::new();
    for &(e, received_at) in events {
        let key = e.status.precedence_key(e.occurred_at);
        let times = Milestones::of(e, received_at);
        let row = messages
            .entry((e.provider.as_str(), e.message_id.as_str()))
            .or_insert_with(|| MessageRow {
                client_message_id: None,
                to: None,
                from: None,
                status: e.status.as_str(),
                status_key: key.clone(),
                times,
            });
        row.times.merge(times);
        if key > row.status_key {
            row.status = e.status.as_str();
            row.status_key = key;
        }
        row.client_message_id = row.client_message_id.or(e.client_message_id.as_deref());
        row.to = row.to.or(e.to.as_deref());
        row.from = row.from.or(e.from.as_deref());
    }
    let providers: Vec<&str> = messages.keys().map(|k| k.0).collect();
    let message_ids: Vec<&str> = messages.keys().map(|k| k.1).collect();
    let client_ids: Vec<Option<&str>> = messages.values().map(|m| m.client_message_id).collect();
    let to: Vec<Option<&str>> = messages.values().map(|m| m.to).collect();
    let from: Vec<Option<&str>> = messages.values().map(|m| m.from).collect();
    let statuses: Vec<&str> = messages.values().map(|m| m.status).collect();
    let keys: Vec<&str> = messages.values().map(|m| m.status_key.as_str()).collect();
    let first_seen: Vec<i64> = messages.values().map(|m| m.times.first_seen_at).collect();
    let submitted: Vec<Option<i64>> = messages.values().map(|m| m.times.submitted_at).collect();
    let delivered: Vec<Option<i64>> = messages.values().map(|m| m.times.delivered_at).collect();
    let statement = tx.prepare_cached(UPSERT_MESSAGES).await.map_err(pg_error)?;
    tx.execute(
        &statement,
        &[
            &providers,
            &message_ids,
            &client_ids,
            &to,
            &from,
            &statuses,
            &keys,
            &first_seen,
            &submitted,
            &delivered,
        ],
    )
    .await
    .map_err(pg_error)?;
    Ok(())
}

/// Inserts the inbound messages `which` names (in key order): the new
/// ones' ids by `(provider, message_id)`.
async fn insert_inbound(
    tx: &Tx<'_>,
    units: &[Unit<'_>],
    which: impl Iterator<Item = &(usize, usize)> + Clone,
) -> Result<HashMap<(String, String), i64>, StoreError> {
    let messages = || which.clone().map(|&(u, i)| (&units[u], &units[u].inbound[i]));
    let providers: Vec<&str> = messages().map(|(_, m)| m.provider.as_str()).collect();
    let message_ids: Vec<&str> = messages().map(|(_, m)| m.message_id.as_str()).collect();
    let related: Vec<Option<&str>> = messages().map(|(_, m)| m.related_message_id.as_deref()).collect();
    let from: Vec<Option<&str>> = messages().map(|(_, m)| m.from.as_deref()).collect();
    let to: Vec<Option<&str>> = messages().map(|(_, m)| m.to.as_deref()).collect();
    let channels: Vec<Option<&str>> = messages().map(|(_, m)| m.channel.as_deref()).collect();
    let kinds: Vec<&str> = messages().map(|(_, m)| m.kind.as_str()).collect();
    let texts: Vec<Option<&str>> = messages().map(|(_, m)| m.text.as_deref()).collect();
    let occurred: Vec<Option<i64>> = messages().map(|(_, m)| m.occurred_at).collect();
    let received: Vec<i64> = messages().map(|(unit, _)| unit.received_at).collect();
    let payloads: Vec<String> = messages().map(|(_, m)| m.payload.to_string()).collect();
    let raw_ids: Vec<i64> = messages().map(|(unit, _)| unit.raw_request_id).collect();
    let statement = tx.prepare_cached(INSERT_INBOUND).await.map_err(pg_error)?;
    let rows = tx
        .query(
            &statement,
            &[
                &providers,
                &message_ids,
                &related,
                &from,
                &to,
                &channels,
                &kinds,
                &texts,
                &occurred,
                &received,
                &payloads,
                &raw_ids,
            ],
        )
        .await
        .map_err(pg_error)?;
    rows.iter()
        .map(|row| Ok(((get(row, 1)?, get(row, 2)?), get(row, 0)?)))
        .collect()
}

const INSERT_FEED: &str = "INSERT INTO feed (status_event_id, inbound_id) SELECT * FROM unnest($1::int8[], $2::int8[])";

/// The feed rows of `stored` (each unit's status events, then its inbound
/// messages, in the order they came), under the feed lock: the last writes
/// of the transaction (see [`TAKE_FEED_LOCK`]). Nothing new, nothing to do.
pub(super) async fn append_feed<'a>(tx: &Tx<'_>, stored: impl Iterator<Item = &'a Stored>) -> Result<(), StoreError> {
    let (mut status_ids, mut inbound_ids): (Vec<Option<i64>>, Vec<Option<i64>>) = (Vec::new(), Vec::new());
    for unit in stored {
        for &id in unit.status.iter().flatten() {
            status_ids.push(Some(id));
            inbound_ids.push(None);
        }
        for &id in unit.inbound.iter().flatten() {
            status_ids.push(None);
            inbound_ids.push(Some(id));
        }
    }
    if status_ids.is_empty() {
        return Ok(());
    }
    tx.execute(TAKE_FEED_LOCK, &[]).await.map_err(pg_error)?;
    let statement = tx.prepare_cached(INSERT_FEED).await.map_err(pg_error)?;
    tx.execute(&statement, &[&status_ids, &inbound_ids])
        .await
        .map_err(pg_error)?;
    Ok(())
}
