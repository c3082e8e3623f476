//! Ack after commit: while the store cannot commit, a callback gets 503 with
//! `Retry-After` (never a 2xx), and the provider's retry is then stored once.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use smsgate_test_support::receiver::{TestReceiver, metric};

use crate::support::one_api_status;
use crate::support::routes::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_store_gets_503_with_retry_after_and_the_retry_is_stored_once() {
    let r = TestReceiver::start().await;
    let body = one_api_status("locked-1", 5, "DEVICE_ACK", 1_700_000_000_000);

    // Another connection holds the write lock of the SQLite file.
    let blocker = rusqlite::Connection::open(&r.db_path).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let started = Instant::now();
    let reply = tokio::time::timeout(Duration::from_secs(20), r.post_json(ONE_API_STATUS, &body))
        .await
        .expect("the receiver answers once the store gives up waiting");
    let waited = started.elapsed();
    reply.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    let retry_after = reply
        .headers
        .get(RETRY_AFTER)
        .expect("a Retry-After header")
        .to_str()
        .unwrap();
    assert!(
        retry_after.parse::<u64>().is_ok_and(|s| (1..=3600).contains(&s)),
        "Retry-After in seconds: {retry_after}"
    );
    assert!(
        waited >= Duration::from_secs(1),
        "the store waited for the lock: {waited:?}"
    );

    // Readers are not blocked by the writer's lock, and nothing was stored.
    assert_eq!(r.events().await.len(), 0);
    assert_eq!(r.quarantine().await.len(), 0);
    let metrics = r.metrics().await;
    assert_eq!(
        metric(
            &metrics,
            "smsgate_callbacks_received_total",
            "provider=\"clickatell\",outcome=\"unavailable\""
        ),
        Some(1.0),
        "{metrics}"
    );

    blocker.execute_batch("ROLLBACK").unwrap();
    drop(blocker);

    r.post_json(ONE_API_STATUS, &body).await.assert_ack();
    r.post_json(ONE_API_STATUS, &body).await.assert_ack();
    let events = r.events().await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["message_id"], "locked-1");
    assert_eq!(r.message("clickatell", "locked-1").await["status"], "delivered");
    assert_eq!(r.raw_requests().len(), 2, "the refused request left nothing behind");
}
