//! Several replicas (stores with pools of their own) on one database:
//! each event stored once and every message's final state the one SQLite
//! reaches, and pollers on every replica that see every event once while
//! all of them write.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use smsgate_normalize::{Provider, Status, StatusEvent};
use smsgate_store::{SqliteStore, Store};

use crate::support::*;

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
/// without the per-message lock before the upsert (see `src/postgres.rs`), an
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
