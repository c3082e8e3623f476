//! Why the feed lock is there: a plain sequence lets a late commit of an
//! earlier seq slip behind a polling consumer; under the feed lock it
//! cannot.

use std::time::Duration;

use smsgate_normalize::Status;
use smsgate_store::{PostgresStore, Store};

use crate::message_ids;
use crate::support::*;

/// Stores a status event for `message_id` the way an ingest does, in the
/// open transaction of `client`, and gives its feed row a seq: under the
/// feed lock when `lock`, else straight from the sequence. Returns the seq.
async fn write_feed_row(client: &tokio_postgres::Client, message_id: &str, lock: bool) -> i64 {
    let raw_id: i64 = client
        .query_one(
            "INSERT INTO raw_requests (provider, method, path, body, received_at)
             VALUES ('smarthive', 'POST', '/client-callback/smarthive-status', '\\x7b7d', 0) RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let event_id: i64 = client
        .query_one(
            "INSERT INTO status_events (provider, message_id, dedup_key, status, received_at, raw_request_id)
             VALUES ('smarthive', $1, $1, 'sent', 0, $2) RETURNING id",
            &[&message_id, &raw_id],
        )
        .await
        .unwrap()
        .get(0);
    if lock {
        client.execute(PostgresStore::TAKE_FEED_LOCK, &[]).await.unwrap();
    }
    client
        .query_one(
            "INSERT INTO feed (status_event_id) VALUES ($1) RETURNING seq",
            &[&event_id],
        )
        .await
        .unwrap()
        .get(0)
}

/// Why the feed lock is there. With a plain sequence, a transaction that
/// took an earlier seq and commits late is skipped by a consumer that
/// polled in between: shown first with two raw transactions. Then the same
/// slow transaction following the store's protocol (feed lock): another
/// replica's ingest cannot take a later seq until it commits, so the
/// consumer gets both, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_late_commit_of_an_earlier_seq_is_never_skipped() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let store = schema.open().await;
    let poller = schema.open().await;

    // A plain sequence: X takes a seq, Y a later one and commits first.
    let (x, y) = (schema.client().await, schema.client().await);
    x.batch_execute("BEGIN").await.unwrap();
    let x_seq = write_feed_row(&x, "plain-x", false).await;
    y.batch_execute("BEGIN").await.unwrap();
    let y_seq = write_feed_row(&y, "plain-y", false).await;
    assert!(x_seq < y_seq);
    y.batch_execute("COMMIT").await.unwrap();
    let page = poller.events(None, 10).await.unwrap();
    assert_eq!(message_ids(&page), ["plain-y"]);
    x.batch_execute("COMMIT").await.unwrap();
    let after = poller.events(Some(&page.next_cursor), 10).await.unwrap();
    assert!(
        after.events.is_empty(),
        "a plain sequence skips the late commit: this is the bug the feed lock prevents"
    );
    let cursor = after.next_cursor;

    // The store's protocol: the slow writer holds the feed lock from its
    // seq to its commit; a real ingest on another replica waits for it.
    let slow = schema.client().await;
    slow.batch_execute("BEGIN").await.unwrap();
    let slow_seq = write_feed_row(&slow, "slow", true).await;
    let fast = tokio::spawn(async move {
        store
            .ingest(ingest_of(vec![event("fast", Status::Sent, None)], Vec::new()))
            .await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !fast.is_finished(),
        "the later ingest waits for the earlier seq's commit"
    );
    let page = poller.events(Some(&cursor), 10).await.unwrap();
    assert!(page.events.is_empty(), "nothing visible yet, so the cursor stays");
    assert_eq!(page.next_cursor, cursor);
    slow.batch_execute("COMMIT").await.unwrap();
    fast.await.unwrap().unwrap();
    let page = poller.events(Some(&page.next_cursor), 10).await.unwrap();
    assert_eq!(message_ids(&page), ["slow", "fast"]);
    assert_eq!(page.events[0].cursor(), slow_seq.to_string());
}
