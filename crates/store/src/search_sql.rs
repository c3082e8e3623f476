//! How both backends answer a message search and a statistics window,
//! decided once.
//!
//! Both read one row per message, `messages`, never the events: each
//! message row carries three times kept by the ingest's upsert as minima
//! over its events (so they do not depend on arrival order either), see
//! [`Milestones`]:
//!
//! - `first_seen_at`: the receipt time of its first stored event. A search
//!   is ordered by it (newest first) and filtered by it (`since`, `until`),
//!   and the statistics' window and buckets go by it: one clock, smsgate's
//!   own, that every message has.
//! - `submitted_at`: the earliest time of its `accepted` events. Those are
//!   the `submitted` record smsgate makes when it sends a message (`smsgate
//!   send`, the dispatcher), at the moment the provider accepted it, and
//!   the providers' own acceptance statuses. A message sent by another
//!   system whose provider reports no acceptance has none.
//! - `delivered_at`: the earliest time of its `delivered` or `read` events
//!   (a message read was delivered by then).
//!
//! An event's time is its provider time, else its receipt time (ClearLine
//! sends none). The latency of a message is `delivered_at - submitted_at`,
//! 0 when a provider's clock puts the delivery first.
//!
//! What differs per backend is the placeholder spelling, and how the
//! percentiles are taken, so the SQL is built here from the filters
//! present (an absent filter is no condition, so that each backend's
//! planner picks the index for the ones present), and the rows come back
//! through [`Columns`]. The percentiles are nearest rank, the same figure
//! on both: PostgreSQL computes them in the database with
//! `percentile_disc` and sends a few rows per provider and bucket; SQLite
//! reads the window's messages one row each and `tally.rs` counts them
//! and sorts their delays in memory, which is ten times as fast as
//! SQLite's window functions ranking them.

use smsgate_normalize::views::{
    DeliveryBucket, DeliveryFigures, DeliveryStats, LatencyPercentiles, MessageSummary, MessagesPage, ProviderDelivery,
    StatusCounts,
};
use smsgate_normalize::{Provider, Status, StatusEvent};

use crate::contract::StoreError;
use crate::page::sql_limit;
use crate::rows::{self, Columns};
use crate::search::{DeliveryWindow, MessageSearch};

/// The times an event gives its message (see the module docs); a message's
/// are the minima over its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Milestones {
    pub first_seen_at: i64,
    pub submitted_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

impl Milestones {
    /// What `event`, received at `received_at`, gives its message.
    pub(crate) fn of(event: &StatusEvent, received_at: i64) -> Milestones {
        let at = event.occurred_at.unwrap_or(received_at);
        Milestones {
            first_seen_at: received_at,
            submitted_at: (event.status == Status::Accepted).then_some(at),
            delivered_at: matches!(event.status, Status::Delivered | Status::Read).then_some(at),
        }
    }

    /// The earlier of each time (an absent one is no time).
    pub(crate) fn merge(&mut self, other: Milestones) {
        fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
            a.into_iter().chain(b).min()
        }
        self.first_seen_at = self.first_seen_at.min(other.first_seen_at);
        self.submitted_at = earliest(self.submitted_at, other.submitted_at);
        self.delivered_at = earliest(self.delivered_at, other.delivered_at);
    }
}

/// A value bound to a placeholder of a statement built here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
}

/// A statement built here, in a backend's placeholder spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    pub sql: String,
    pub params: Vec<Param>,
}

/// A backend's placeholder for the `n`th parameter (1-based): `?n` or `$n`.
pub(crate) type Placeholder = fn(usize) -> String;

/// Builds a statement's conditions, numbering the parameters.
struct Conditions {
    placeholder: Placeholder,
    conditions: Vec<String>,
    params: Vec<Param>,
}

impl Conditions {
    fn new(placeholder: Placeholder) -> Conditions {
        Conditions {
            placeholder,
            conditions: Vec::new(),
            params: Vec::new(),
        }
    }

    /// The placeholder of a new parameter `value`.
    fn bind(&mut self, value: Param) -> String {
        self.params.push(value);
        (self.placeholder)(self.params.len())
    }

    /// Adds `condition`, made from the placeholders of `values`.
    fn add<const N: usize>(&mut self, values: [Param; N], condition: impl FnOnce([String; N]) -> String) {
        let placeholders = values.map(|value| self.bind(value));
        self.conditions.push(condition(placeholders));
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }
}

/// A message's columns as [`rows::message_summary`] reads them.
const SUMMARY_COLUMNS: &str = r#"provider, message_id, client_message_id, "to", "from", status, status_at, first_seen_at, submitted_at, delivered_at"#;

/// Where a search page starts: after the message with this key, in
/// newest-first order. Spelled `FIRST_SEEN_AT:PROVIDER:MESSAGE_ID` (the id
/// last, so that it may hold anything).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SearchCursor {
    first_seen_at: i64,
    provider: Provider,
    message_id: String,
}

impl SearchCursor {
    fn parse(text: &str) -> Result<SearchCursor, StoreError> {
        let bad = || StoreError::BadCursor(text.to_string());
        let mut parts = text.splitn(3, ':');
        let (Some(at), Some(provider), Some(message_id)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        if at.is_empty() || !at.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return Err(bad());
        }
        Ok(SearchCursor {
            first_seen_at: at.parse().map_err(|_| bad())?,
            provider: Provider::parse(provider).ok_or_else(bad)?,
            message_id: message_id.to_string(),
        })
    }

    fn of(message: &MessageSummary) -> String {
        format!("{}:{}:{}", message.first_seen_at, message.provider, message.message_id)
    }
}

/// The statement of a search page: up to `limit + 1` messages (one more
/// than asked, to tell whether another page follows), newest first.
pub(crate) fn search_statement(search: &MessageSearch, placeholder: Placeholder) -> Result<Statement, StoreError> {
    let mut c = Conditions::new(placeholder);
    // An id names a message or two: found through the primary key (or
    // the outbound id's links) and sorted afterwards. Otherwise the pages
    // come off `messages_first_seen` in order, and a provider is checked
    // on the rows it gives, not looked up through the primary key and
    // sorted (`|| ''` keeps SQLite, which plans without statistics, from
    // taking that index).
    let by_id = search.id.is_some() || search.outbound_id.is_some();
    if let Some(provider) = search.provider {
        let column = if by_id { "provider" } else { "provider || ''" };
        c.add([Param::Text(provider.as_str().into())], |[p]| format!("{column} = {p}"));
    }
    if let Some(id) = &search.id {
        if search.provider.is_none() {
            // Every provider named, so that the primary key (provider,
            // message_id) finds the id in one probe per provider.
            let all = Provider::ALL.map(|p| Param::Text(p.as_str().into()));
            c.add(all, |ps| format!("provider IN ({})", ps.join(", ")));
        }
        c.add([Param::Text(id.clone())], |[p]| format!("message_id = {p}"));
    }
    // The provider messages that carried an outbound id, linked by the id
    // the provider sent back or by an attempt, joined by primary key.
    let mut from = "messages".to_string();
    if let Some(outbound_id) = &search.outbound_id {
        let a = c.bind(Param::Text(outbound_id.clone()));
        let b = c.bind(Param::Text(outbound_id.clone()));
        from = format!(
            "messages JOIN (
                 SELECT provider AS linked_provider, message_id AS linked_id FROM messages
                 WHERE client_message_id = {a}
                 UNION
                 SELECT provider_id, provider_message_id FROM outbound_attempts
                 WHERE outbound_id = {b} AND provider_message_id IS NOT NULL
             ) AS linked ON provider = linked_provider AND message_id = linked_id"
        );
    }
    if let Some(to) = &search.to {
        let bare = to.strip_prefix('+').unwrap_or(to);
        c.add([Param::Text(bare.into()), Param::Text(format!("+{bare}"))], |[a, b]| {
            format!(r#""to" IN ({a}, {b})"#)
        });
    }
    if let Some(status) = search.status {
        c.add([Param::Text(status.as_str().into())], |[p]| format!("status = {p}"));
    }
    if let Some(since) = search.since {
        c.add([Param::Int(since)], |[p]| format!("first_seen_at >= {p}"));
    }
    if let Some(until) = search.until {
        c.add([Param::Int(until)], |[p]| format!("first_seen_at < {p}"));
    }
    if let Some(after) = &search.after {
        let cursor = SearchCursor::parse(after)?;
        c.add(
            [
                Param::Int(cursor.first_seen_at),
                Param::Text(cursor.provider.as_str().into()),
                Param::Text(cursor.message_id),
            ],
            |[a, p, m]| format!("(first_seen_at, provider, message_id) < ({a}, {p}, {m})"),
        );
    }
    let limit = c.bind(Param::Int(sql_limit(search.limit.saturating_add(1))));
    // `+`: the order is not taken from an index, so that the planner
    // starts from the id rather than walk every message in order.
    let order = if by_id { "+first_seen_at" } else { "first_seen_at" };
    Ok(Statement {
        sql: format!(
            "SELECT {SUMMARY_COLUMNS} FROM {from} {}
             ORDER BY {order} DESC, provider DESC, message_id DESC
             LIMIT {limit}",
            c.where_clause()
        ),
        params: c.params,
    })
}

/// The page of `found` (up to `limit + 1` messages, newest first).
pub(crate) fn messages_page(mut found: Vec<MessageSummary>, limit: usize) -> MessagesPage {
    let more = found.len() > limit;
    found.truncate(limit);
    let next_cursor = more.then(|| found.last().map(SearchCursor::of)).flatten();
    MessagesPage {
        messages: found,
        next_cursor,
    }
}

/// The window's conditions, shared by the statistics statements; the
/// provider compared through `provider_column`.
fn window_conditions(
    window: &DeliveryWindow,
    placeholder: Placeholder,
    provider_column: &str,
) -> (Conditions, String, String) {
    let mut c = Conditions::new(placeholder);
    let since = c.bind(Param::Int(window.since()));
    let bucket = c.bind(Param::Int(window.bucket()));
    let until = c.bind(Param::Int(window.until()));
    c.conditions.push(format!("first_seen_at >= {since}"));
    c.conditions.push(format!("first_seen_at < {until}"));
    if let Some(provider) = window.provider() {
        c.add([Param::Text(provider.as_str().into())], |[p]| {
            format!("{provider_column} = {p}")
        });
    }
    (c, since, bucket)
}

/// Messages of the window by provider, bucket and status: `provider,
/// bucket, status, count` (at most providers x buckets x statuses rows).
pub(crate) fn status_counts_statement(window: &DeliveryWindow, placeholder: Placeholder) -> Statement {
    let (c, since, bucket) = window_conditions(window, placeholder, "provider");
    Statement {
        sql: format!(
            "SELECT provider, (first_seen_at - {since}) / {bucket} AS bucket, status, COUNT(*)
             FROM messages {}
             GROUP BY provider, bucket, status",
            c.where_clause()
        ),
        params: c.params,
    }
}

/// The percentiles (of 100) each set of delays is given at.
pub(crate) const PERCENTILES: [i64; 3] = [50, 90, 99];

/// A message's latency (see the module docs), for a message with both
/// times: 0 when a provider's clock puts the delivery first.
const DELAY: &str = "CASE WHEN delivered_at > submitted_at THEN delivered_at - submitted_at ELSE 0 END";

/// The window's delays (`provider, bucket, delay`, of the messages with
/// both times), and the conditions' parameters.
fn delays(window: &DeliveryWindow, placeholder: Placeholder) -> (String, Vec<Param>) {
    let (mut c, since, bucket) = window_conditions(window, placeholder, "provider");
    c.conditions
        .push("submitted_at IS NOT NULL AND delivered_at IS NOT NULL".into());
    let sql = format!(
        "SELECT provider, (first_seen_at - {since}) / {bucket} AS bucket,
                {DELAY} AS delay
         FROM messages {}",
        c.where_clause()
    );
    (sql, c.params)
}

/// How SQLite reads a statistics window's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WindowRead {
    /// Through `messages_first_seen`, the window's rows only.
    FirstSeenIndex,
    /// The whole table in storage order, without an index lookup per row:
    /// three times as fast per row, so better once the window holds more
    /// than about a third of the messages.
    WholeTable,
}

/// The window's messages one row each, for a backend that gathers the
/// figures itself (SQLite, see `tally.rs`): `provider, bucket, status,
/// delay` (the delay NULL unless both times are known), read by
/// [`window_message`].
pub(crate) fn window_messages_statement(
    window: &DeliveryWindow,
    placeholder: Placeholder,
    read: WindowRead,
) -> Statement {
    // `|| ''`: a provider is checked on the rows the window's index gives,
    // not looked up through the primary key (every message of the
    // provider, 15 times as slow for a day of a million messages).
    let (c, since, bucket) = window_conditions(window, placeholder, "provider || ''");
    let table = match read {
        WindowRead::FirstSeenIndex => "messages",
        WindowRead::WholeTable => "messages NOT INDEXED",
    };
    Statement {
        sql: format!(
            "SELECT provider, (first_seen_at - {since}) / {bucket}, status,
                    CASE WHEN submitted_at IS NULL OR delivered_at IS NULL THEN NULL ELSE {DELAY} END
             FROM {table} {}",
            c.where_clause()
        ),
        params: c.params,
    }
}

/// A row of [`window_messages_statement`].
pub(crate) struct WindowMessage {
    pub provider: Provider,
    pub bucket: i64,
    pub status: Status,
    pub delay: Option<i64>,
}

pub(crate) fn window_message<R: Columns>(row: &R) -> Result<WindowMessage, R::Error> {
    Ok(WindowMessage {
        provider: rows::word(row, 0, Provider::parse)?,
        bucket: row.int(1)?,
        status: rows::word(row, 2, Status::parse)?,
        delay: row.opt_int(3)?,
    })
}

/// The latency percentiles per provider and bucket, and per provider over
/// the whole window (bucket NULL), by PostgreSQL's ordered-set aggregate
/// `percentile_disc`, which is nearest rank (the first delay whose
/// position reaches the fraction): one row per set, `provider, bucket, n,
/// p50, p90, p99`.
pub(crate) fn latency_by_percentile_disc(window: &DeliveryWindow, placeholder: Placeholder) -> Statement {
    let (delays, params) = delays(window, placeholder);
    let at: Vec<String> = PERCENTILES
        .iter()
        .map(|p| format!("percentile_disc(0.{p:02}) WITHIN GROUP (ORDER BY delay)"))
        .collect();
    Statement {
        sql: format!(
            "SELECT provider, bucket, COUNT(*), {} FROM ({delays}) AS delays
             GROUP BY GROUPING SETS ((provider, bucket), (provider))",
            at.join(", ")
        ),
        params,
    }
}

/// A row of [`status_counts_statement`].
pub(crate) struct StatusCount {
    pub provider: Provider,
    pub bucket: i64,
    pub status: Status,
    pub count: i64,
}

pub(crate) fn status_count<R: Columns>(row: &R) -> Result<StatusCount, R::Error> {
    Ok(StatusCount {
        provider: rows::word(row, 0, Provider::parse)?,
        bucket: row.int(1)?,
        status: rows::word(row, 2, Status::parse)?,
        count: row.int(3)?,
    })
}

/// A row of [`latency_by_percentile_disc`], or a set of delays tallied
/// in memory.
pub(crate) struct LatencyRow {
    pub provider: Provider,
    pub bucket: Option<i64>,
    pub n: i64,
    pub percentiles: [Option<i64>; 3],
}

pub(crate) fn latency_row<R: Columns>(row: &R) -> Result<LatencyRow, R::Error> {
    Ok(LatencyRow {
        provider: rows::word(row, 0, Provider::parse)?,
        bucket: row.opt_int(1)?,
        n: row.int(2)?,
        percentiles: [row.opt_int(3)?, row.opt_int(4)?, row.opt_int(5)?],
    })
}

/// A provider's figures, whole window or one bucket, as they are gathered.
#[derive(Debug, Clone, Default)]
struct Tally {
    statuses: StatusCounts,
    latency: LatencyPercentiles,
}

impl Tally {
    fn figures(self) -> DeliveryFigures {
        DeliveryFigures {
            messages: self.statuses.total(),
            delivery_rate: self.statuses.delivery_rate(),
            statuses: self.statuses,
            latency: self.latency,
        }
    }
}

/// The statistics of `window` from the rows of its two statements.
pub(crate) fn delivery_stats(
    window: &DeliveryWindow,
    counts: Vec<StatusCount>,
    latencies: Vec<LatencyRow>,
) -> DeliveryStats {
    let providers: Vec<Provider> = match window.provider() {
        Some(provider) => vec![provider],
        None => Provider::ALL.to_vec(),
    };
    let buckets = usize::try_from(window.buckets()).unwrap_or(0);
    // Per provider: the whole window, and each bucket.
    let mut tallies: Vec<(Tally, Vec<Tally>)> = providers
        .iter()
        .map(|_| (Tally::default(), vec![Tally::default(); buckets]))
        .collect();
    fn tally<'a>(
        tallies: &'a mut [(Tally, Vec<Tally>)],
        providers: &[Provider],
        provider: Provider,
        bucket: Option<i64>,
    ) -> Option<&'a mut Tally> {
        let (whole, buckets) = &mut tallies[providers.iter().position(|&p| p == provider)?];
        match bucket {
            None => Some(whole),
            Some(b) => buckets.get_mut(usize::try_from(b).ok()?),
        }
    }
    for row in counts {
        let count = u64::try_from(row.count).unwrap_or(0);
        for bucket in [None, Some(row.bucket)] {
            if let Some(tally) = tally(&mut tallies, &providers, row.provider, bucket) {
                tally.statuses.add(row.status, count);
            }
        }
    }
    for row in latencies {
        let Some(tally) = tally(&mut tallies, &providers, row.provider, row.bucket) else {
            continue;
        };
        let [p50, p90, p99] = row.percentiles;
        tally.latency = LatencyPercentiles {
            count: u64::try_from(row.n).unwrap_or(0),
            p50,
            p90,
            p99,
        };
    }
    DeliveryStats {
        since: window.since(),
        until: window.until(),
        bucket: window.bucket(),
        providers: providers
            .into_iter()
            .zip(tallies)
            .map(|(provider, (whole, buckets))| ProviderDelivery {
                provider,
                total: whole.figures(),
                buckets: (0..)
                    .zip(buckets)
                    .map(|(i, tally): (i64, Tally)| DeliveryBucket {
                        start: window.since() + i * window.bucket(),
                        figures: tally.figures(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestones_are_minima_whatever_the_order() {
        let event = |status, occurred_at| StatusEvent {
            provider: Provider::Clearline,
            message_id: "m".into(),
            client_message_id: None,
            to: None,
            from: None,
            status,
            raw_status: None,
            raw_code: None,
            description: None,
            occurred_at,
            channel: None,
            dedup_key: String::new(),
        };
        let delivered = Milestones::of(&event(Status::Delivered, None), 50);
        let accepted = Milestones::of(&event(Status::Accepted, Some(20)), 30);
        let mut a = delivered;
        a.merge(accepted);
        let mut b = accepted;
        b.merge(delivered);
        let expected = Milestones {
            first_seen_at: 30,
            submitted_at: Some(20),
            delivered_at: Some(50),
        };
        assert_eq!((a, b), (expected, expected));
    }

    #[test]
    fn cursors_name_one_message_and_refuse_anything_else() {
        let cursor = SearchCursor::parse("17:clickatell:id:with:colons").unwrap();
        assert_eq!(cursor.message_id, "id:with:colons");
        assert_eq!(cursor.first_seen_at, 17);
        for bad in [
            "",
            "17",
            "17:clickatell",
            "x:clickatell:m",
            "17:nobody:m",
            "+1:clickatell:m",
        ] {
            assert!(
                matches!(SearchCursor::parse(bad), Err(StoreError::BadCursor(_))),
                "{bad}"
            );
        }
    }
}
