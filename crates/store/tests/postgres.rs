//! What only the PostgreSQL backend has to show: several replicas (stores
//! with pools of their own) on one database, a feed that no polling
//! consumer can skip through while writers on every replica commit out of
//! order, and `Unavailable` (503 upstream) when the server is unreachable or
//! slow, with recovery once it is back; group commit (one transaction per
//! batch of concurrent ingests, dedup inside a batch, a refused ingest or a
//! failed COMMIT). Skipped, saying so, without SMSGATE_TEST_POSTGRES_URL.

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use smsgate_normalize::views::FeedEvent;
use smsgate_normalize::{InboundMessage, Provider, Status, StatusEvent};
use smsgate_store::{
    CommitOptions, Ingest, IngestOutcome, Parsed, PostgresOptions, PostgresStore, SqliteStore, Store, StoreError,
};
use smsgate_test_support::postgres::{server_address, url_through};
use smsgate_test_support::proxy::FaultProxy;
use support::*;
use tokio::net::TcpListener;

/// A small deterministic generator (no seeds to chase on failure).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % below as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.next(i + 1));
        }
    }
}

/// Callbacks about `messages` messages, several events each, each callback
/// a batch of 1 to 3 events of different messages.
fn callbacks(messages: usize, rng: &mut Lcg) -> Vec<Vec<StatusEvent>> {
    let mut events = Vec::new();
    for m in 0..messages {
        for k in 0..3 + rng.next(4) {
            let status = Status::ALL[rng.next(Status::ALL.len())];
            let time = match rng.next(4) {
                0 => None,
                t => Some(T0 + t as i64),
            };
            events.push(StatusEvent {
                dedup_key: format!("m{m}|key-{k}"),
                ..event(&format!("m{m}"), status, time)
            });
        }
    }
    rng.shuffle(&mut events);
    let mut batches = Vec::new();
    while !events.is_empty() {
        let n = (1 + rng.next(3)).min(events.len());
        batches.push(events.drain(..n).collect());
    }
    batches
}

/// Dedup across replicas, and the status compare-and-set under contention:
/// without the per-message lock before the upsert (see `postgres.rs`), an
/// upsert's `status_at` subquery misses events committed while it waited
/// and this test fails most runs (wrong `status_at`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_ingesting_the_same_callbacks_store_each_event_once_and_agree_with_sqlite() {
    let Some(url) = postgres_url() else { return };
    const MESSAGES: usize = 30;
    const TASKS_PER_REPLICA: usize = 4;
    const ROUNDS: usize = 2;
    let schema = PgSchema::create(&url).await;
    let replicas: Vec<Arc<dyn Store>> = vec![Arc::new(schema.open().await), Arc::new(schema.open().await)];
    let mut rng = Lcg(7);
    let batches = callbacks(MESSAGES, &mut rng);
    let total: usize = batches.iter().map(Vec::len).sum();

    // Every replica gets every callback, in an order of its own, from
    // several tasks at once, ROUNDS times (provider retries).
    let mut tasks = Vec::new();
    for (r, replica) in replicas.iter().enumerate() {
        for t in 0..TASKS_PER_REPLICA {
            let mut mine: Vec<_> = batches
                .iter()
                .enumerate()
                .filter(|(i, _)| i % TASKS_PER_REPLICA == t)
                .map(|(_, b)| b.clone())
                .collect();
            Lcg((r * 100 + t) as u64).shuffle(&mut mine);
            let replica = replica.clone();
            tasks.push(tokio::spawn(async move {
                let (mut stored, mut duplicates) = (0, 0);
                for _ in 0..ROUNDS {
                    for batch in &mine {
                        let outcome = replica.ingest(ingest_of(batch.clone(), Vec::new())).await.unwrap();
                        stored += outcome.status_events_stored;
                        duplicates += outcome.duplicates;
                    }
                }
                (stored, duplicates)
            }));
        }
    }
    let (mut stored, mut duplicates) = (0, 0);
    for task in tasks {
        let (s, d) = task.await.unwrap();
        stored += s;
        duplicates += d;
    }
    assert_eq!(stored, total, "every event stored exactly once");
    assert_eq!(duplicates, total * (2 * ROUNDS - 1));
    let client = schema.client().await;
    let count = |table: &'static str| {
        let client = &client;
        async move {
            let row = client
                .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
                .await
                .unwrap();
            row.get::<_, i64>(0) as usize
        }
    };
    assert_eq!(count("status_events").await, total);
    assert_eq!(count("feed").await, total);
    assert_eq!(count("raw_requests").await, batches.len() * 2 * ROUNDS);

    // The same callbacks, once each, into SQLite: the same final states.
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(dir.path().join("db").to_str().unwrap())
        .await
        .unwrap();
    let mut per_message: HashMap<String, Vec<(Status, Option<i64>)>> = HashMap::new();
    for batch in &batches {
        for e in batch {
            per_message
                .entry(e.message_id.clone())
                .or_default()
                .push((e.status, e.occurred_at));
        }
        sqlite.ingest(ingest_of(batch.clone(), Vec::new())).await.unwrap();
    }
    for (message_id, events) in &per_message {
        let want = sqlite.message(Provider::Smarthive, message_id).await.unwrap().unwrap();
        assert_eq!((want.status, want.status_at), expected(events), "{message_id}");
        for replica in &replicas {
            let got = replica.message(Provider::Smarthive, message_id).await.unwrap().unwrap();
            assert_eq!(
                (got.status, got.status_at),
                (want.status, want.status_at),
                "{message_id}"
            );
            assert_eq!(
                (&got.client_message_id, &got.to, &got.from),
                (&want.client_message_id, &want.to, &want.from)
            );
            // Same events; ties in provider time may list in another order.
            let key = |v: &smsgate_normalize::views::MessageView| {
                let mut events: Vec<_> = v
                    .events
                    .iter()
                    .map(|e| (e.occurred_at, e.status.as_str().to_string(), e.raw_status.clone()))
                    .collect();
                events.sort();
                events
            };
            assert_eq!(key(&got), key(&want), "{message_id}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pollers_on_both_replicas_see_every_event_once_while_both_replicas_write() {
    let Some(url) = postgres_url() else { return };
    const WRITERS_PER_REPLICA: usize = 3;
    const INGESTS: usize = 40;
    let schema = PgSchema::create(&url).await;
    let replicas: Vec<Arc<dyn Store>> = vec![Arc::new(schema.open().await), Arc::new(schema.open().await)];
    let done = Arc::new(AtomicBool::new(false));
    let pollers: Vec<_> = replicas
        .iter()
        .map(|replica| tokio::spawn(poll_until_done(replica.clone(), done.clone())))
        .collect();

    let mut writers = Vec::new();
    for (r, replica) in replicas.iter().enumerate() {
        for w in 0..WRITERS_PER_REPLICA {
            let replica = replica.clone();
            writers.push(tokio::spawn(async move {
                let mut stored = Vec::new();
                for i in 0..INGESTS {
                    let events: Vec<_> = (0..1 + i % 3)
                        .map(|j| event(&format!("r{r}-w{w}-{i}-{j}"), Status::Sent, Some(T0)))
                        .collect();
                    stored.extend(events.iter().map(|e| e.message_id.clone()));
                    let mut batch = events;
                    // Retries: of this writer's last event, and of the
                    // same writer's on the other replica.
                    if i > 0 {
                        batch.push(event(&format!("r{r}-w{w}-{}-0", i - 1), Status::Sent, Some(T0)));
                        batch.push(event(&format!("r{}-w{w}-{}-0", 1 - r, i - 1), Status::Sent, Some(T0)));
                    }
                    replica.ingest(ingest_of(batch, Vec::new())).await.unwrap();
                }
                stored
            }));
        }
    }
    let mut expected_ids = HashSet::new();
    for writer in writers {
        expected_ids.extend(writer.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    for poller in pollers {
        let seen = poller.await.unwrap();
        let unique: HashSet<_> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "no event seen twice");
        assert_eq!(unique, expected_ids, "every event seen");
    }
}

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

fn message_ids(page: &smsgate_normalize::views::EventsPage) -> Vec<String> {
    page.events
        .iter()
        .map(|event| match event {
            FeedEvent::Status(event) => event.message_id.clone(),
            FeedEvent::Inbound(message) => message.message_id.clone(),
        })
        .collect()
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

fn quick(schema: &PgSchema) -> PostgresOptions {
    PostgresOptions {
        connect_timeout: Duration::from_secs(1),
        call_timeout: Duration::from_secs(3),
        ..schema.options()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unreachable_server_is_unavailable_and_the_store_recovers_when_it_is_back() {
    let Some(url) = postgres_url() else { return };
    // Nothing listens on a port just released.
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let result = PostgresStore::open(&format!("postgres://postgres@127.0.0.1:{closed}/test")).await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{:?}", result.err());

    // A store that worked, then lost its server, then got it back.
    let schema = PgSchema::create(&url).await;
    let proxy = FaultProxy::start(server_address(&url)).await;
    let proxied = url_through(&url, proxy.port);
    let store = PostgresStore::open_with(&proxied, quick(&schema)).await.unwrap();
    ingest_events(&store, vec![event("before", Status::Sent, None)]).await;

    proxy.stop().await;
    for message_id in ["down-1", "down-2"] {
        let result = store
            .ingest(ingest_of(vec![event(message_id, Status::Sent, None)], Vec::new()))
            .await;
        assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    }
    assert!(matches!(store.events(None, 10).await, Err(StoreError::Unavailable(_))));

    proxy.resume();
    ingest_events(&store, vec![event("after", Status::Sent, None)]).await;
    let page = store.events(None, 10).await.unwrap();
    assert_eq!(message_ids(&page), ["before", "after"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_statement_past_the_timeout_is_unavailable_and_nothing_is_stored() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let store = PostgresStore::open_with(
        &url,
        PostgresOptions {
            statement_timeout: Duration::from_millis(300),
            ..quick(&schema)
        },
    )
    .await
    .unwrap();
    // Another session holds a lock the ingest needs, past the timeout.
    let blocker = schema.client().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE raw_requests IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let result = store
        .ingest(ingest_of(vec![event("m", Status::Sent, None)], Vec::new()))
        .await;
    assert!(
        matches!(&result, Err(StoreError::Unavailable(text)) if text.contains("57014")),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the statement timeout, not the call's"
    );
    blocker.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(store.message(Provider::Smarthive, "m").await.unwrap(), None);
    // The pool's connection is fine afterwards.
    let outcome = ingest_events(&store, vec![event("m", Status::Sent, None)]).await;
    assert_eq!(outcome.status_events_stored, 1);
}

/// Replicas starting together on an empty schema: the migration lock lets
/// one migrate and the others find nothing to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_migrate_once() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let opening: Vec<_> = (0..6)
        .map(|_| {
            let (url, options) = (schema.url.clone(), schema.options());
            tokio::spawn(async move { PostgresStore::open_with(&url, options).await })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opening {
        stores.push(open.await.unwrap().unwrap());
    }
    let client = schema.client().await;
    let versions: Vec<i32> = client
        .query("SELECT version FROM smsgate_schema_version", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, [1]);
    ingest_events(&stores[0], vec![event("m", Status::Sent, None)]).await;
    assert_eq!(stores[5].events(None, 10).await.unwrap().events.len(), 1);
}

/// `smsgate_store::open` (what `--database` goes through) takes a
/// postgres:// URL, keeping the URL's own parameters (here the schema, as
/// libpq's `options`) beside the store's statement timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn open_takes_a_postgres_url_with_its_parameters() {
    let Some(url) = postgres_url() else { return };
    let schema = PgSchema::create(&url).await;
    let separator = if url.contains('?') { '&' } else { '?' };
    let with_schema = format!("{url}{separator}options=-c%20search_path%3D{}", schema.name);
    let store = smsgate_store::open(&with_schema).await.unwrap();
    ingest_events(&*store, vec![event("m", Status::Sent, None)]).await;
    let client = schema.client().await;
    let row = client
        .query_one("SELECT COUNT(*) FROM status_events", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1, "stored in the URL's schema");
    let postgresql = with_schema.replacen("postgres://", "postgresql://", 1);
    assert!(smsgate_store::open(&postgresql).await.is_ok());

    // The URL's own statement_timeout wins over the store's 5 s.
    let short = format!("{with_schema}%20-c%20statement_timeout%3D100&connect_timeout=2");
    let store = smsgate_store::open(&short).await.unwrap();
    let blocker = schema.client().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE raw_requests IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let result = store
        .ingest(ingest_of(vec![event("n", Status::Sent, None)], Vec::new()))
        .await;
    assert!(matches!(&result, Err(StoreError::Unavailable(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    blocker.batch_execute("ROLLBACK").await.unwrap();
}

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
