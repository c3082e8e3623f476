//! Opening a SQLite database: the writer connection (WAL mode, the flush
//! setting the writer starts in, migrations) and the read-only reader
//! connections. Blocking calls, run off the async runtime by the caller.
//!
//! The schema is in `migrations/`, applied in order at open and recorded in
//! `PRAGMA user_version`.

use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::errors::store_error;
use crate::contract::StoreError;

/// Migrations in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_outbox.sql"),
    include_str!("migrations/0003_opt_outs.sql"),
    include_str!("migrations/0004_reroute.sql"),
    include_str!("migrations/0005_pacing.sql"),
    include_str!("migrations/0006_exports.sql"),
    include_str!("migrations/0007_message_search.sql"),
    include_str!("migrations/0008_feed_without_autoincrement.sql"),
    include_str!("migrations/0009_messages_without_rowid.sql"),
];

/// The schema version the migrations bring a database to.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a statement waits for a lock held by another connection (or
/// process) before failing with SQLITE_BUSY, which callers see as
/// [`StoreError::Unavailable`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Read connections; queries never wait for the writer.
const READERS: usize = 4;

/// The connections of a store on the database at `path` (`""` or
/// `":memory:"`: an in-memory database, which has no readers, since only
/// the connection that made it sees it).
pub(super) struct Connections {
    pub writer: Connection,
    pub readers: Vec<Connection>,
}

/// Opens (creating if needed) the database at `path`, brings its schema up
/// to date, and opens the readers.
pub(super) fn open_connections(path: &str, in_memory: bool) -> Result<Connections, StoreError> {
    let mut writer = Connection::open(path).map_err(store_error)?;
    configure_writer(&writer, in_memory)?;
    migrate(&mut writer)?;
    let readers = if in_memory {
        Vec::new()
    } else {
        (0..READERS)
            .map(|_| open_reader(path))
            .collect::<Result<Vec<_>, StoreError>>()?
    };
    Ok(Connections { writer, readers })
}

fn open_reader(path: &str) -> Result<Connection, StoreError> {
    let reader = Connection::open(path).map_err(store_error)?;
    reader.busy_timeout(BUSY_TIMEOUT).map_err(store_error)?;
    reader.execute_batch("PRAGMA query_only = ON;").map_err(store_error)?;
    Ok(reader)
}

/// Puts the writer connection in WAL mode with the settings the writer
/// loop expects (see the `sqlite` module docs).
pub(super) fn configure_writer(conn: &Connection, in_memory: bool) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(store_error)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(store_error)?;
    if !mode.eq_ignore_ascii_case("wal") && !in_memory {
        return Err(StoreError::Other(format!(
            "cannot put the database in WAL mode (journal mode is `{mode}`); is it on a network file system?"
        )));
    }
    // temp_store: the savepoints' statement journal stays in memory.
    // A file's batches are flushed by the syncer thread before anything is
    // acknowledged (see `syncer.rs`), so its commits do not flush.
    let synchronous = if in_memory { "FULL" } else { "NORMAL" };
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;"
    ))
    .map_err(store_error)
}

/// Applies the migrations the database lacks, in one transaction; a second
/// process opening the same file at the same time waits, then finds nothing
/// to do.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(store_error)?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(store_error)?;
    let known = MIGRATIONS.len() as i64;
    if !(0..=known).contains(&version) {
        return Err(StoreError::Other(format!(
            "the database has schema version {version}, this smsgate knows versions up to {known}"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql).map_err(store_error)?;
        // user_version lives in the database header: it commits with the
        // migration or not at all.
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
            .map_err(store_error)?;
    }
    tx.commit().map_err(store_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_keeps_its_seqs_when_it_loses_autoincrement() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        // A store of the schema before, with a feed.
        for sql in &MIGRATIONS[..7] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "PRAGMA user_version = 7;
             INSERT INTO raw_requests (id, provider, method, path, body, received_at)
                 VALUES (1, 'clearline', 'POST', '/', x'', 0);
             INSERT INTO status_events (id, provider, message_id, dedup_key, status, received_at, raw_request_id)
                 VALUES (1, 'clearline', 'm', 'a', 'sent', 0, 1), (2, 'clearline', 'm', 'b', 'delivered', 0, 1);
             INSERT INTO inbound_messages (id, provider, message_id, \"type\", received_at, payload, raw_request_id)
                 VALUES (1, 'clearline', 'mo', 'text', 0, '{}', 1);
             INSERT INTO feed (status_event_id, inbound_id) VALUES (1, NULL), (NULL, 1), (2, NULL);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();

        let feed = |conn: &Connection| -> Vec<(i64, Option<i64>, Option<i64>)> {
            conn.prepare("SELECT seq, status_event_id, inbound_id FROM feed ORDER BY seq")
                .unwrap()
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        assert_eq!(
            feed(&conn),
            [(1, Some(1), None), (2, None, Some(1)), (3, Some(2), None)]
        );
        // The next seq follows the greatest.
        conn.execute("INSERT INTO feed (status_event_id) VALUES (2)", [])
            .unwrap();
        assert_eq!(feed(&conn).last(), Some(&(4, Some(2), None)));
        let (user_version, sequences): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT user_version FROM pragma_user_version),
                        (SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'feed')",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!((user_version, sequences), (SCHEMA_VERSION, 0));
        // The inbound page's partial index is back.
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT seq FROM feed WHERE seq > 0 AND inbound_id IS NOT NULL ORDER BY seq",
                [],
                |row| row.get(3),
            )
            .unwrap();
        assert!(plan.contains("feed_inbound"), "{plan}");
    }

    #[test]
    fn messages_keep_their_rows_and_indexes_without_a_rowid_and_index_known_recipients_only() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..8] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "PRAGMA user_version = 8;
             INSERT INTO messages (provider, message_id, client_message_id, \"to\", \"from\", status, status_key,
                                   status_at, first_seen_at, submitted_at, delivered_at)
                 VALUES ('clearline', 'a', 'c-1', '+27820000001', 'shop', 'delivered', '5', 30, 10, 20, 30),
                        ('clickatell', 'b', NULL, NULL, NULL, 'accepted', '1', NULL, 40, NULL, NULL);",
        )
        .unwrap();
        let rows = |conn: &Connection| -> Vec<String> {
            conn.prepare(
                "SELECT json_array(provider, message_id, client_message_id, \"to\", \"from\", status,
                                 status_key, status_at, first_seen_at, submitted_at, delivered_at)
                          FROM messages ORDER BY provider",
            )
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
        };
        let before = rows(&conn);
        migrate(&mut conn).unwrap();
        assert_eq!(rows(&conn), before);
        let without_rowid: bool = conn
            .query_row("SELECT wr FROM pragma_table_list WHERE name = 'messages'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert!(without_rowid);
        // The recipient index holds known recipients only.
        let mut indexes: Vec<(String, bool)> = conn
            .prepare("SELECT name, partial FROM pragma_index_list('messages') WHERE origin = 'c'")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        indexes.sort();
        let index = |name: &str, partial: bool| (name.to_string(), partial);
        assert_eq!(
            indexes,
            [
                index("messages_client_message_id", true),
                index("messages_first_seen", false),
                index("messages_to", true),
            ]
        );
    }
}
