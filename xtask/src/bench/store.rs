//! What the benchmark reads back from the receiver's store, SQLite or
//! PostgreSQL: counts and benchmark ids before and after a run (to verify
//! that it holds exactly the acknowledged events), and stored requests to
//! replay as duplicates.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, bail};

use super::wrk::Run;

/// The store a `--database` URL names.
pub enum StoreDb {
    Sqlite(String),
    Postgres(String),
}

/// What the store holds.
#[derive(Debug, Default)]
pub struct StoreCounts {
    /// Highest raw request id.
    pub last_raw: i64,
    raw_requests: i64,
    quarantined: i64,
    /// Benchmark message ids in the stored raw bodies and queries.
    ids_in_raw: BTreeSet<String>,
    /// Benchmark message ids of stored status events and inbound messages.
    ids_stored: BTreeSet<String>,
    events_stored: i64,
}

/// A stored raw request, as the receiver got it (secret removed).
pub struct StoredRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

const LAST_RAW: &str = "SELECT COALESCE(MAX(id), 0) FROM raw_requests";
const RAW_REQUESTS: &str = "SELECT COUNT(*) FROM raw_requests";
const QUARANTINED: &str = "SELECT COUNT(*) FROM raw_requests WHERE quarantine_error IS NOT NULL";
const EVENTS_STORED: &str = "SELECT (SELECT COUNT(*) FROM status_events) + (SELECT COUNT(*) FROM inbound_messages)";
const RAW_TEXTS: &str = "SELECT body, COALESCE(query, '') FROM raw_requests";
const EVENT_IDS: &str = "SELECT message_id FROM status_events UNION ALL SELECT message_id FROM inbound_messages";

impl StoreDb {
    pub fn parse(url: &str) -> anyhow::Result<StoreDb> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            return Ok(StoreDb::Sqlite(path.trim_start_matches("//").to_string()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(StoreDb::Postgres(url.to_string()));
        }
        bail!("unsupported database URL `{url}`: expected sqlite:PATH or postgres://USER@HOST/DB")
    }

    /// What the store holds now (nothing if it does not exist yet).
    pub fn counts(&self) -> anyhow::Result<StoreCounts> {
        let mut counts = StoreCounts::default();
        let (texts, ids) = match self {
            StoreDb::Sqlite(path) => {
                if !Path::new(path).exists() {
                    return Ok(counts);
                }
                let conn = sqlite(path)?;
                let one = |sql: &str| -> anyhow::Result<i64> { Ok(conn.query_row(sql, [], |row| row.get(0))?) };
                counts.last_raw = one(LAST_RAW)?;
                counts.raw_requests = one(RAW_REQUESTS)?;
                counts.quarantined = one(QUARANTINED)?;
                counts.events_stored = one(EVENTS_STORED)?;
                let texts = conn
                    .prepare(RAW_TEXTS)?
                    .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect::<Result<Vec<(Vec<u8>, String)>, _>>()?;
                let ids = conn
                    .prepare(EVENT_IDS)?
                    .query_map([], |row| row.get(0))?
                    .collect::<Result<Vec<String>, _>>()?;
                (texts, ids)
            }
            StoreDb::Postgres(url) => postgres(url, async |client| {
                let migrated = client
                    .query_one("SELECT to_regclass('raw_requests') IS NOT NULL", &[])
                    .await?;
                if !migrated.get::<_, bool>(0) {
                    return Ok((Vec::new(), Vec::new()));
                }
                for (sql, into) in [
                    (LAST_RAW, &mut counts.last_raw),
                    (RAW_REQUESTS, &mut counts.raw_requests),
                    (QUARANTINED, &mut counts.quarantined),
                    (EVENTS_STORED, &mut counts.events_stored),
                ] {
                    // COUNT is bigint; the sum of two counts is numeric.
                    let row = client.query_one(&format!("SELECT ({sql})::bigint"), &[]).await?;
                    *into = row.get(0);
                }
                let texts = client.query(RAW_TEXTS, &[]).await?;
                let ids = client.query(EVENT_IDS, &[]).await?;
                Ok((
                    texts.iter().map(|row| (row.get(0), row.get(1))).collect(),
                    ids.iter().map(|row| row.get(0)).collect(),
                ))
            })?,
        };
        for (body, query) in &texts {
            bench_ids(body, &mut counts.ids_in_raw);
            bench_ids(query.as_bytes(), &mut counts.ids_in_raw);
        }
        counts.ids_stored = ids.into_iter().filter(|id| id.starts_with("bm")).collect();
        Ok(counts)
    }

    /// Up to `limit` raw requests stored after raw request `after`, oldest
    /// first.
    pub fn stored_after(&self, after: i64, limit: i64) -> anyhow::Result<Vec<StoredRequest>> {
        const SQL: &str = "SELECT method, path, query, content_type, body FROM raw_requests
                           WHERE id > $1 AND quarantine_error IS NULL ORDER BY id LIMIT $2";
        match self {
            StoreDb::Sqlite(path) => Ok(sqlite(path)?
                .prepare(SQL)?
                .query_map([after, limit], |row| {
                    Ok(StoredRequest {
                        method: row.get(0)?,
                        path: row.get(1)?,
                        query: row.get(2)?,
                        content_type: row.get(3)?,
                        body: row.get(4)?,
                    })
                })?
                .collect::<Result<_, _>>()?),
            StoreDb::Postgres(url) => postgres(url, async |client| {
                let rows = client.query(SQL, &[&after, &limit]).await?;
                Ok(rows
                    .iter()
                    .map(|row| StoredRequest {
                        method: row.get(0),
                        path: row.get(1),
                        query: row.get(2),
                        content_type: row.get(3),
                        body: row.get(4),
                    })
                    .collect())
            }),
        }
    }
}

fn sqlite(path: &str) -> anyhow::Result<rusqlite::Connection> {
    rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open {path}"))
}

/// Runs `work` with a connection to the PostgreSQL server `url` names.
fn postgres<T>(
    url: &str,
    work: impl AsyncFnOnce(&tokio_postgres::Client) -> Result<T, tokio_postgres::Error>,
) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .context("cannot connect to the benchmark's PostgreSQL")?;
        let connection = tokio::spawn(connection);
        let result = work(&client).await.context("cannot read the benchmark's store");
        drop(client);
        let _ = connection.await;
        result
    })
}

/// Collects the `bm<digits>x<digits>[-<digits>]` ids in `text`.
fn bench_ids(text: &[u8], into: &mut BTreeSet<String>) {
    let mut i = 0;
    while i + 2 < text.len() {
        if &text[i..i + 2] == b"bm" && text[i + 2].is_ascii_digit() {
            let end = text[i + 2..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b'x' || *b == b'-'))
                .map_or(text.len(), |n| i + 2 + n);
            into.insert(String::from_utf8_lossy(&text[i..end]).into_owned());
            i = end;
        } else {
            i += 1;
        }
    }
}

/// The store holds exactly the acknowledged requests of `run` (plus, at
/// most, those in flight when wrk stopped, stored but never answered) and
/// exactly the distinct new events in them, each once, nothing quarantined.
/// A run of replayed requests thus stores requests and no event. The
/// summary line, or what is wrong.
pub fn verify(before: &StoreCounts, after: &StoreCounts, run: &Run, connections: u32) -> Result<String, String> {
    let new_raw = (after.raw_requests - before.raw_requests) as u64;
    let in_flight = new_raw.saturating_sub(run.acknowledged);
    let new_ids: BTreeSet<&String> = after.ids_in_raw.difference(&before.ids_in_raw).collect();
    let new_events = (after.events_stored - before.events_stored) as u64;
    let summary = format!(
        "{new_raw} raw requests stored for {} acknowledged ({in_flight} in flight when wrk stopped: stored, never \
         answered); {new_events} events stored once each for {} distinct new events sent",
        run.acknowledged,
        new_ids.len()
    );
    let mut problems = Vec::new();
    if new_raw < run.acknowledged {
        problems.push(format!(
            "{} acknowledged requests are not stored",
            run.acknowledged - new_raw
        ));
    }
    if in_flight > u64::from(connections) {
        problems.push(format!(
            "{in_flight} stored requests were not acknowledged, more than the {connections} that can be in flight"
        ));
    }
    if run.other > 0 {
        problems.push(format!("{} responses were not 200", run.other));
    }
    if after.quarantined != before.quarantined {
        problems.push(format!(
            "{} requests were quarantined: the mix has a payload the parsers reject",
            after.quarantined - before.quarantined
        ));
    }
    let missing: Vec<_> = new_ids
        .iter()
        .filter(|id| !after.ids_stored.contains(**id))
        .take(5)
        .collect();
    if !missing.is_empty() {
        problems.push(format!("events in stored requests but not stored: {missing:?}"));
    }
    if new_events != new_ids.len() as u64 {
        problems.push(format!(
            "{new_events} events stored for {} distinct new events: duplicates were stored or events lost",
            new_ids.len()
        ));
    }
    if problems.is_empty() {
        Ok(summary)
    } else {
        Err(format!("{summary}\n  {}", problems.join("\n  ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_bench_ids() {
        let mut ids = BTreeSet::new();
        bench_ids(br#"[{"msg_id":"bm1x2-3"},{"msg_id":"bm1x2-4"}] bm bmx bm2x9"#, &mut ids);
        let ids: Vec<_> = ids.into_iter().collect();
        assert_eq!(ids, ["bm1x2-3", "bm1x2-4", "bm2x9"]);
    }

    #[test]
    fn a_replayed_run_must_store_no_event() {
        let before = StoreCounts {
            raw_requests: 10,
            events_stored: 12,
            ids_in_raw: ["bm1x1".to_string()].into(),
            ..StoreCounts::default()
        };
        let run = Run {
            acknowledged: 5,
            ..Run::default()
        };
        let replayed = StoreCounts {
            raw_requests: 15,
            events_stored: 12,
            ids_in_raw: before.ids_in_raw.clone(),
            ..StoreCounts::default()
        };
        assert!(verify(&before, &replayed, &run, 64).is_ok());
        let stored_again = StoreCounts {
            events_stored: 13,
            ..replayed
        };
        assert!(verify(&before, &stored_again, &run, 64).is_err());
    }
}
