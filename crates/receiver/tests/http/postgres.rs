//! The receiver on PostgreSQL: while the server is gone a
//! callback gets 503 with `Retry-After`, never a 2xx, and once it is back
//! the receiver stores again by itself, the retry once. Runs when
//! SMSGATE_TEST_POSTGRES_URL names a server (as `.ci/run` sets it); the
//! store's own tests cover the backend itself.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use smsgate_store::{PostgresOptions, PostgresStore};
use smsgate_test_support::postgres::{PgSchema, postgres_url, server_address, url_through};
use smsgate_test_support::proxy::FaultProxy;
use smsgate_test_support::receiver::{Options, TestReceiver};

use crate::support::one_api_status;
use crate::support::routes::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgres_is_gone_callbacks_get_503_and_the_receiver_recovers() {
    let Some(url) = postgres_url("the receiver's PostgreSQL test") else {
        return;
    };
    let schema = PgSchema::create(&url).await;
    let proxy = FaultProxy::start(server_address(&url)).await;
    let proxied = url_through(&url, proxy.port);
    let store = PostgresStore::open_with(
        &proxied,
        PostgresOptions {
            schema: Some(schema.name.clone()),
            connect_timeout: Duration::from_secs(1),
            call_timeout: Duration::from_secs(3),
            ..PostgresOptions::default()
        },
    )
    .await
    .unwrap();
    let r = TestReceiver::start_on(Options::default(), Some(Arc::new(store))).await;
    r.post_json(
        ONE_API_STATUS,
        &one_api_status("pg-1", 4, "SENT_TO_SUPPLIER", 1_700_000_000_000),
    )
    .await
    .assert_ack();

    proxy.stop().await;
    let body = one_api_status("pg-2", 5, "DEVICE_ACK", 1_700_000_000_000);
    let reply = r.post_json(ONE_API_STATUS, &body).await;
    reply.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.headers.get(RETRY_AFTER).is_some(), "a Retry-After header");

    proxy.resume();
    r.post_json(ONE_API_STATUS, &body).await.assert_ack();
    r.post_json(ONE_API_STATUS, &body).await.assert_ack();
    let ids: Vec<_> = r.events().await.iter().map(|e| e["message_id"].clone()).collect();
    assert_eq!(ids, ["pg-1", "pg-2"]);
}
