//! Group commit on PostgreSQL: one transaction per batch of concurrent
//! ingests, each answered after the commit; dedup inside a batch; a refused
//! ingest that does not take its batch-mates down; a failed COMMIT that
//! acknowledges nothing; an abandoned ingest that is not written.

use std::sync::Arc;
use std::time::Duration;

use smsgate_normalize::views::FeedEvent;
use smsgate_normalize::{InboundMessage, Provider, Status, StatusEvent};
use smsgate_store::{CommitOptions, Ingest, IngestOutcome, Parsed, PostgresOptions, PostgresStore, Store, StoreError};

use crate::message_ids;
use crate::support::*;

/// A store on `schema` whose batches gather for up to `wait` (long, so that
/// concurrent ingests surely land in one batch).
async fn batching(schema: &PgSchema, commit_batch: usize, wait: Duration) -> Arc<PostgresStore> {
    let options = PostgresOptions {
        commit: CommitOptions {
            commit_batch,
            commit_wait: wait,
        },
        ..schema.options()
    };
    Arc::new(PostgresStore::open_with(&schema.url, options).await.unwrap())
}

/// An ingest whose raw body names `tag`, with these events.
fn tagged(tag: &str, status: Vec<StatusEvent>, inbound: Vec<InboundMessage>) -> Ingest {
    Ingest {
        raw: raw(format!(r#"{{"tag":"{tag}"}}"#).as_bytes()),
        parsed: Parsed::Events { status, inbound },
    }
}

/// Runs the ingests concurrently; their answers in the same order.
async fn ingest_all(store: &Arc<PostgresStore>, ingests: Vec<Ingest>) -> Vec<Result<IngestOutcome, StoreError>> {
    let tasks: Vec<_> = ingests
        .into_iter()
        .map(|ingest| {
            let store = store.clone();
            tokio::spawn(async move { store.ingest(ingest).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

async fn count_rows(client: &tokio_postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

/// Ingests of every shape in one batch: several status events, inbound
/// messages, none, a quarantined body. Each is answered only once another
/// connection sees it committed; one transaction holds them all; every row
/// points at its own raw request (the multi-row inserts map ids back right).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_ingests_share_one_transaction_and_are_answered_after_commit() {
    let Some(url) = postgres_url() else { return };
    const N: usize = 16;
    let schema = PgSchema::create(&url).await;
    let store = batching(&schema, N, Duration::from_secs(1)).await;
    let observer = Arc::new(schema.client().await);
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let tag = format!("b{i}");
            let ingest = if i % 5 == 4 {
                Ingest {
                    raw: raw(format!(r#"{{"tag":"{tag}","#).as_bytes()),
                    parsed: Parsed::Quarantined {
                        error: "not JSON".into(),
                    },
                }
            } else {
                let status = (0..i % 4)
                    .map(|k| event(&format!("{tag}-{k}"), Status::Delivered, Some(T0 + k as i64)))
                    .collect();
                let inbound = (0..i % 2).map(|_| inbound_message(&format!("{tag}-in"))).collect();
                tagged(&tag, status, inbound)
            };
            let (store, observer) = (store.clone(), observer.clone());
            tokio::spawn(async move {
                let outcome = store.ingest(ingest).await.unwrap();
                let raw = count_rows(
                    &observer,
                    &format!("SELECT COUNT(*) FROM raw_requests WHERE position('\"{tag}\"' in convert_from(body, 'UTF8')) > 0"),
                )
                .await;
                assert_eq!(raw, 1, "{tag} was answered before another connection could see it");
                outcome
            })
        })
        .collect();
    let (mut status, mut inbound, mut quarantined) = (0, 0, 0);
    for task in tasks {
        let outcome = task.await.unwrap();
        assert_eq!(outcome.duplicates, 0);
        status += outcome.status_events_stored;
        inbound += outcome.inbound_stored;
        quarantined += usize::from(outcome.quarantined);
    }
    let want_status: usize = (0..N).filter(|i| i % 5 != 4).map(|i| i % 4).sum();
    let want_inbound = (0..N).filter(|i| i % 5 != 4 && i % 2 == 1).count();
    assert_eq!((status, inbound, quarantined), (want_status, want_inbound, N / 5));
    let stats = store.commit_stats();
    assert_eq!(
        (stats.transactions, stats.ingests, stats.largest_batch),
        (1, N as u64, N as u64)
    );

    let client = schema.client().await;
    assert_eq!(count_rows(&client, "SELECT COUNT(*) FROM raw_requests").await, N as i64);
    assert_eq!(
        count_rows(&client, "SELECT COUNT(*) FROM feed").await,
        (want_status + want_inbound) as i64
    );
    // Each event and inbound message points at the raw request naming it.
    let misplaced = "SELECT COUNT(*) FROM (
            SELECT message_id, raw_request_id FROM status_events
            UNION ALL SELECT message_id, raw_request_id FROM inbound_messages) x
        JOIN raw_requests r ON r.id = x.raw_request_id
        WHERE position('\"' || split_part(x.message_id, '-', 1) || '\"' in convert_from(r.body, 'UTF8')) = 0";
    assert_eq!(count_rows(&client, misplaced).await, 0);
    let quarantined_tags = "SELECT COUNT(*) FROM raw_requests
        WHERE quarantine_error IS NOT NULL AND convert_from(body, 'UTF8') NOT LIKE '%}'";
    assert_eq!(count_rows(&client, quarantined_tags).await, (N / 5) as i64);
    for message in store.events(None, 100).await.unwrap().events {
        if let FeedEvent::Status(event) = message {
            let view = store
                .message(Provider::Smarthive, &event.message_id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!((view.status, view.status_at), (Status::Delivered, event.occurred_at));
        }
    }
}

/// The same event in several ingests of one batch, and twice in one body,
/// and the same inbound message twice: stored once, every other copy
/// reported a duplicate. Events of one message in one batch fold into the
/// status the compare-and-set would reach one by one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicates_inside_one_batch_are_stored_once_and_reported_as_duplicates() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let store = batching(&schema, 64, Duration::from_millis(500)).await;
    let same = event("same", Status::Delivered, Some(T0));
    let mut ingests: Vec<Ingest> = (0..6)
        .map(|i| tagged(&format!("d{i}"), vec![same.clone()], Vec::new()))
        .collect();
    ingests.push(tagged("twice", vec![same.clone(), same.clone()], Vec::new()));
    ingests.push(tagged("in-1", Vec::new(), vec![inbound_message("in")]));
    ingests.push(tagged(
        "in-2",
        Vec::new(),
        vec![inbound_message("in"), inbound_message("in")],
    ));
    let folded = [
        (Status::Sent, Some(T0 + 1)),
        (Status::Delivered, Some(T0 + 3)),
        (Status::Undelivered, Some(T0 + 2)),
        (Status::Delivered, Some(T0 + 1)),
        (Status::Accepted, None),
    ];
    for (k, (status, at)) in folded.iter().enumerate() {
        ingests.push(tagged(
            &format!("f{k}"),
            vec![event("folded", *status, *at)],
            Vec::new(),
        ));
    }
    let batch = ingests.len();
    let answers = ingest_all(&store, ingests).await;
    let outcomes: Vec<IngestOutcome> = answers.into_iter().map(Result::unwrap).collect();
    let same_stored: usize = outcomes[..7].iter().map(|o| o.status_events_stored).sum();
    let same_duplicates: usize = outcomes[..7].iter().map(|o| o.duplicates).sum();
    assert_eq!((same_stored, same_duplicates), (1, 7));
    let inbound_stored: usize = outcomes[7..9].iter().map(|o| o.inbound_stored).sum();
    let inbound_duplicates: usize = outcomes[7..9].iter().map(|o| o.duplicates).sum();
    assert_eq!((inbound_stored, inbound_duplicates), (1, 2));
    assert!(outcomes[9..].iter().all(|o| o.status_events_stored == 1));
    let stats = store.commit_stats();
    assert_eq!(
        (stats.transactions, stats.largest_batch),
        (1, batch as u64),
        "one batch"
    );

    let client = schema.client().await;
    assert_eq!(
        count_rows(&client, "SELECT COUNT(*) FROM raw_requests").await,
        batch as i64
    );
    let events = "SELECT COUNT(*) FROM status_events WHERE message_id = 'same'";
    assert_eq!(count_rows(&client, events).await, 1);
    assert_eq!(count_rows(&client, "SELECT COUNT(*) FROM inbound_messages").await, 1);
    assert_eq!(
        count_rows(&client, "SELECT COUNT(*) FROM feed").await,
        2 + folded.len() as i64
    );
    assert_eq!(current(&*store, "folded").await, expected(&folded));
    // A later batch: every copy a duplicate, nothing stored.
    let again = ingest_all(&store, vec![tagged("late", vec![same], vec![inbound_message("in")])]).await;
    let again = again[0].as_ref().unwrap();
    assert_eq!(
        (again.status_events_stored, again.inbound_stored, again.duplicates),
        (0, 0, 2)
    );
}

/// PostgreSQL refuses one ingest's data (a NUL character in a text): that
/// ingest gets its error, and its batch-mates still commit, in one
/// transaction (the batch is run again with a savepoint per ingest).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_ingest_gets_its_own_error_and_its_batch_mates_commit() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let store = batching(&schema, 64, Duration::from_millis(500)).await;
    let ingests: Vec<Ingest> = (0..10)
        .map(|i| {
            let id = if i == 4 {
                "bad\0id".to_string()
            } else {
                format!("ok{i}")
            };
            tagged(
                &format!("r{i}"),
                vec![event(&id, Status::Sent, Some(T0))],
                vec![inbound_message(&format!("in{i}"))],
            )
        })
        .collect();
    let answers = ingest_all(&store, ingests).await;
    for (i, answer) in answers.iter().enumerate() {
        if i == 4 {
            assert!(
                matches!(answer, Err(StoreError::Other(text)) if text.contains("22021")),
                "{answer:?}"
            );
        } else {
            let outcome = answer.as_ref().unwrap();
            assert_eq!((outcome.status_events_stored, outcome.inbound_stored), (1, 1), "{i}");
        }
    }
    let stats = store.commit_stats();
    assert_eq!((stats.transactions, stats.ingests, stats.largest_batch), (1, 9, 10));
    let client = schema.client().await;
    assert_eq!(count_rows(&client, "SELECT COUNT(*) FROM raw_requests").await, 9);
    assert_eq!(count_rows(&client, "SELECT COUNT(*) FROM status_events").await, 9);
    assert_eq!(count_rows(&client, "SELECT COUNT(*) FROM inbound_messages").await, 9);
    let feed = store.events(None, 100).await.unwrap();
    assert_eq!(feed.events.len(), 18);
    assert!(!message_ids(&feed).contains(&"in4".to_string()));
}

/// A COMMIT that fails (here a deferred constraint trigger, checked only at
/// COMMIT, refuses one ingest's raw request): nothing of the batch is
/// stored and every ingest of it is told to retry, none acknowledged. The
/// retries then go through.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_commit_acknowledges_none_of_its_batch() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let store = batching(&schema, 64, Duration::from_millis(500)).await;
    let client = schema.client().await;
    client
        .batch_execute(
            "CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql
                 AS $$ BEGIN RAISE EXCEPTION 'commit refused'; END $$;
             CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON raw_requests
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                 WHEN (convert_from(NEW.body, 'UTF8') LIKE '%breaks-commit%') EXECUTE FUNCTION refuse_commit();",
        )
        .await
        .unwrap();
    let tags: Vec<String> = (0..8)
        .map(|i| {
            if i == 3 {
                "breaks-commit".into()
            } else {
                format!("c{i}")
            }
        })
        .collect();
    let ingests = tags
        .iter()
        .map(|tag| tagged(tag, vec![event(tag, Status::Sent, Some(T0))], Vec::new()))
        .collect();
    for answer in ingest_all(&store, ingests).await {
        assert!(
            matches!(&answer, Err(StoreError::Unavailable(text)) if text.contains("commit refused")),
            "{answer:?}"
        );
    }
    assert_eq!(count_rows(&client, "SELECT COUNT(*) FROM raw_requests").await, 0);
    assert_eq!(count_rows(&client, "SELECT COUNT(*) FROM feed").await, 0);
    assert_eq!(store.commit_stats().ingests, 0);
    let retries = tags
        .iter()
        .filter(|tag| *tag != "breaks-commit")
        .map(|tag| tagged(tag, vec![event(tag, Status::Sent, Some(T0))], Vec::new()))
        .collect();
    for answer in ingest_all(&store, retries).await {
        assert_eq!(answer.unwrap().status_events_stored, 1);
    }
    assert_eq!(count_rows(&client, "SELECT COUNT(*) FROM status_events").await, 7);
}

/// An ingest whose caller gave up while it waited for its batch (the
/// caller's future dropped, as when the call's deadline passes) is not
/// written: the caller was never acknowledged, and an overloaded store
/// does not spend itself on abandoned callbacks. Its batch-mates are.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_ingest_abandoned_before_its_batch_is_written_is_not_written() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let store = batching(&schema, 64, Duration::from_secs(1)).await;
    let abandoned = tagged(
        "abandoned",
        vec![event("abandoned", Status::Sent, Some(T0))],
        Vec::new(),
    );
    let given_up = tokio::time::timeout(Duration::from_millis(100), store.ingest(abandoned)).await;
    assert!(
        given_up.is_err(),
        "answered before its batch could gather: {given_up:?}"
    );
    let kept = tagged("kept", vec![event("kept", Status::Sent, Some(T0))], Vec::new());
    assert_eq!(store.ingest(kept).await.unwrap().status_events_stored, 1);
    let client = schema.client().await;
    assert_eq!(count_rows(&client, "SELECT COUNT(*) FROM raw_requests").await, 1);
    let ids = message_ids(&store.events(None, 10).await.unwrap());
    assert_eq!(ids, ["kept"]);
    let stats = store.commit_stats();
    assert_eq!((stats.transactions, stats.ingests, stats.largest_batch), (1, 1, 1));
}
