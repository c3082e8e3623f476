//! A NATS JetStream export through crashes: 5,000 callbacks come in while
//! `serve` is killed with SIGKILL three times in the middle of exporting
//! and restarted on the same SQLite file. The stream then holds every
//! event exactly once (a re-publish after a crash is dropped by its
//! `Nats-Msg-Id`), as a CloudEvent on `{subject}.{kind}.{provider}`, and a
//! consumer reading the stream sees each message's events in feed order.
//! A restart that finds no cursor at all publishes everything again, and
//! the stream still holds each event once.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use serde_json::Value;
use smsgate_test_support::load::{Load, Target};
use smsgate_test_support::serve::Served;

use crate::harness::*;

/// Messages, two callbacks (and events) each.
const MESSAGES: usize = 2_500;
const KILLS: u64 = 3;
/// Messages in the stream before each kill.
const PUBLISHED_BETWEEN_KILLS: u64 = 1_200;

/// Messages in `stream` now (none before the export made it).
async fn published(context: &jetstream::Context, stream: &str) -> u64 {
    match context.get_stream(stream).await {
        Ok(mut stream) => stream.info().await.map_or(0, |info| info.state.messages),
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_once_in_the_stream_in_feed_order_through_three_kills() {
    let Some(url) = nats_url("the NATS export through kill -9") else {
        return;
    };
    let _serial = serial().await;
    let context = jetstream::new(async_nats::connect(url.as_str()).await.unwrap());
    let stream = unique("SMSGATE_TEST");
    let subject = format!("smsgate-test.{}", unique("run"));
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    let config = config(
        dir.path(),
        &format!(
            "[[exports]]\nname = \"bus\"\nkind = \"nats\"\nurl = \"{url}\"\nstream = \"{stream}\"\n\
             subject = \"{subject}\"\nlease_ms = 1000\nretry_schedule_ms = [50, 100, 200]\n"
        ),
    );
    let start = || Served::start_async(serve(dir.path(), &database, &config));
    let callbacks = callbacks("nats", MESSAGES);
    let mut served = start().await;
    let target = Target::new(&served.callback_base);
    let load = Load::start(&target, callbacks.clone(), (0..callbacks.len()).collect(), 16);
    for kill in 1..=KILLS {
        wait_until(
            &format!("published {} events before kill {kill}", kill * PUBLISHED_BETWEEN_KILLS),
            async || published(&context, &stream).await >= kill * PUBLISHED_BETWEEN_KILLS,
            async || {
                format!(
                    "{} published, {} acknowledged",
                    published(&context, &stream).await,
                    load.acknowledged()
                )
            },
        )
        .await;
        served.kill9();
        served = start().await;
        target.set(&served.callback_base);
    }
    let ledger = load.finish().await;
    send_until_acknowledged(&target, &callbacks, ledger.unacknowledged(), 8).await;
    let api = Api::new(&served.api_base);
    let feed = api.feed().await;
    assert_eq!(feed.len(), callbacks.len(), "every callback is one event");
    wait_until(
        "published every event",
        async || published(&context, &stream).await >= feed.len() as u64 && api.export("bus").await["lag"] == 0,
        async || {
            format!(
                "{} published; {}",
                published(&context, &stream).await,
                api.export("bus").await
            )
        },
    )
    .await;
    assert_eq!(published(&context, &stream).await, feed.len() as u64, "each event once");

    // The worst crash: every event published, no cursor stored. All of
    // them go out again, and JetStream drops every one by its id.
    served.kill9();
    let db = rusqlite::Connection::open(dir.path().join("smsgate.db")).unwrap();
    assert_eq!(db.execute("UPDATE exports SET cursor = NULL", []).unwrap(), 1);
    drop(db);
    let served = start().await;
    let api = Api::new(&served.api_base);
    wait_until(
        "published every event again",
        async || api.export("bus").await["cursor"] == feed.last().unwrap()["cursor"],
        async || format!("{}", api.export("bus").await),
    )
    .await;
    assert_eq!(
        published(&context, &stream).await,
        feed.len() as u64,
        "duplicates dropped"
    );

    // A consumer reads the stream from its start.
    let reader = context
        .get_stream(&stream)
        .await
        .unwrap()
        .create_consumer(consumer::pull::Config {
            ack_policy: consumer::AckPolicy::None,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut messages = reader.messages().await.unwrap();
    let mut read = Vec::with_capacity(feed.len());
    while read.len() < feed.len() {
        let message = tokio::time::timeout(Duration::from_secs(30), messages.next())
            .await
            .expect("the stream's messages come")
            .unwrap()
            .unwrap();
        let id = message
            .headers
            .as_ref()
            .and_then(|h| h.get("Nats-Msg-Id"))
            .map(|v| v.as_str().to_string())
            .expect("a Nats-Msg-Id");
        let event: Value = serde_json::from_slice(&message.payload).unwrap();
        assert_eq!(event["id"], id.as_str());
        let data = &event["data"];
        let expected_subject = format!(
            "{subject}.{}.{}",
            data["kind"].as_str().unwrap(),
            data["provider"].as_str().unwrap()
        );
        assert_eq!(message.subject.as_str(), expected_subject);
        read.push(event);
    }
    let ids: HashSet<&str> = read.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), read.len(), "an event twice in the stream");
    let feed_ids: HashSet<String> = feed.iter().map(event_id).collect();
    assert_eq!(ids, feed_ids.iter().map(String::as_str).collect::<HashSet<_>>());
    let cloud_event = &read[0];
    assert_eq!(
        (cloud_event["specversion"].as_str(), cloud_event["source"].as_str()),
        (Some("1.0"), Some("smsgate"))
    );
    assert_eq!(cloud_event["type"], "io.smsgate.message.status");
    assert_eq!(cloud_event["subject"], cloud_event["data"]["message_id"]);
    assert_eq!(cloud_event["datacontenttype"], "application/json");
    // Per message, the stream's order is the feed's.
    let mut last_cursor: HashMap<String, u64> = HashMap::new();
    for event in &read {
        let data = &event["data"];
        let key = format!("{}/{}", data["provider"], data["message_id"]);
        let cursor: u64 = data["cursor"].as_str().unwrap().parse().unwrap();
        if let Some(before) = last_cursor.insert(key.clone(), cursor) {
            assert!(before < cursor, "{key}: cursor {cursor} after {before}");
        }
    }
    context.delete_stream(&stream).await.unwrap();
}
