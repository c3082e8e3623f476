//! The message search and the delivery statistics on a big store: fills an
//! empty store with N messages (default 1,000,000) and their events, then
//! times each kind of query. Run by `cargo xtask bench query`, or:
//!
//! ```sh
//! cargo run --release -p smsgate-store --example query_bench -- [--database URL] [--messages N] [--reuse]
//! ```
//!
//! The store is filled through [`Store::ingest`] itself (the write path
//! the receiver uses, so every message row gets its times exactly as in
//! production), but in bulk: one ingest holds the events of 200 messages,
//! eight ingests in flight, no HTTP. The messages span 30 days through the
//! three providers: each is submitted (`accepted`), `sent`, then 90%
//! `delivered` after a delay of 1 to about 60 s (skewed towards short), 5%
//! `undelivered`, 2% `expired`, 3% still `sent`; half carry an outbound id.
//! Without `--database`, a SQLite file in a temporary directory; a
//! PostgreSQL database must be empty, and is `ANALYZE`d after the fill, as
//! autovacuum would have done.

use std::sync::Arc;
use std::time::{Duration, Instant};

use smsgate_normalize::{Provider, Status, StatusEvent};
use smsgate_store::{CommitOptions, DeliveryWindow, Ingest, MessageSearch, Parsed, RawRequest, Store};

const DAY: i64 = 86_400_000;
const SPAN_DAYS: i64 = 30;
const PER_INGEST: usize = 200;
const IN_FLIGHT: usize = 8;
/// How many times each query runs; the median is reported.
const RUNS: usize = 5;
const START: i64 = 1_780_000_000_000;

struct Args {
    database: Option<String>,
    messages: usize,
    /// Time the queries on a store an earlier run filled (with the same
    /// `--messages`), rather than refuse it.
    reuse: bool,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        database: None,
        messages: 1_000_000,
        reuse: false,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        if flag == "--reuse" {
            args.reuse = true;
            continue;
        }
        let value = given.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--database" => args.database = Some(value),
            "--messages" => args.messages = value.parse().map_err(|_| format!("--messages {value}: not a number"))?,
            _ => {
                return Err(format!(
                    "unknown flag {flag}: expected --database URL, --messages N, --reuse"
                ));
            }
        }
    }
    Ok(args)
}

/// xorshift64*: the same store every run, without a dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn number(n: u64) -> String {
    format!("+2782{n:07}")
}

/// The events of message `i`, first seen at `at`.
fn message_events(i: usize, at: i64, random: &mut Random) -> Vec<StatusEvent> {
    let provider = Provider::ALL[i % 3];
    let id = format!("msg-{i:08}");
    let event = |status: Status, occurred_at: i64, step: &str| StatusEvent {
        provider,
        message_id: id.clone(),
        client_message_id: i.is_multiple_of(2).then(|| format!("ob_{i:08}")),
        to: Some(number(random_number(i))),
        from: None,
        status,
        raw_status: Some(step.to_string()),
        raw_code: None,
        description: None,
        occurred_at: Some(occurred_at),
        channel: None,
        dedup_key: format!("{id}:{step}"),
    };
    // 1 s, plus the product of two uniform draws of up to 60 s: short
    // delays are common, long ones rare.
    let delay = 1_000 + (random.below(60_000) * random.below(60_000) / 60_000) as i64;
    let end = match random.below(100) {
        0..90 => Some(Status::Delivered),
        90..95 => Some(Status::Undelivered),
        95..97 => Some(Status::Expired),
        _ => None,
    };
    let mut events = vec![
        event(Status::Accepted, at, "submitted"),
        event(Status::Sent, at + delay / 3, "sent"),
    ];
    if let Some(end) = end {
        events.push(event(end, at + delay, "final"));
    }
    events
}

/// The recipient of message `i`: one of 100,000 numbers.
fn random_number(i: usize) -> u64 {
    (i as u64).wrapping_mul(2_654_435_761) % 100_000
}

async fn fill(store: &Arc<dyn Store>, messages: usize) -> Result<(), String> {
    let step = SPAN_DAYS * DAY / messages.max(1) as i64;
    let mut random = Random(0x5EED);
    let mut pending = tokio::task::JoinSet::new();
    for chunk in 0..messages.div_ceil(PER_INGEST) {
        let first = chunk * PER_INGEST;
        let at = START + first as i64 * step;
        let events: Vec<StatusEvent> = (first..(first + PER_INGEST).min(messages))
            .flat_map(|i| message_events(i, START + i as i64 * step, &mut random))
            .collect();
        let ingest = Ingest {
            raw: RawRequest {
                provider: Provider::Clickatell,
                method: "POST".into(),
                path: "/bench".into(),
                query: None,
                content_type: None,
                body: Vec::new(),
                received_at: at,
            },
            parsed: Parsed::Events {
                status: events,
                inbound: Vec::new(),
            },
        };
        if pending.len() >= IN_FLIGHT {
            pending.join_next().await.unwrap().unwrap()?;
        }
        let store = store.clone();
        pending.spawn(async move { store.ingest(ingest).await.map(drop).map_err(|e| e.to_string()) });
    }
    while let Some(done) = pending.join_next().await {
        done.unwrap()?;
    }
    Ok(())
}

/// Median time of `RUNS` runs of `query`, and what its last run found.
async fn time<F, T>(mut query: impl FnMut() -> F) -> (Duration, T)
where
    F: std::future::Future<Output = T>,
{
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        last = Some(query().await);
        times.push(start.elapsed());
    }
    times.sort();
    (times[RUNS / 2], last.unwrap())
}

fn search(edit: impl FnOnce(&mut MessageSearch)) -> MessageSearch {
    let mut search = MessageSearch {
        limit: 100,
        ..MessageSearch::default()
    };
    edit(&mut search);
    search
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = args()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite:{}", dir.path().join("bench.db").display()));
    let store = smsgate_store::open_with(&url, CommitOptions::defaults_for(&url))
        .await
        .map_err(|e| e.to_string())?;
    let filled = !store
        .search_messages(search(|s| s.limit = 1))
        .await
        .map_err(|e| e.to_string())?
        .messages
        .is_empty();
    match (filled, args.reuse) {
        (true, true) => println!("timing the queries on {}", smsgate_store::display_url(&url)),
        (true, false) => {
            return Err("the store has messages already: give an empty database, or --reuse a filled one".into());
        }
        (false, _) => {
            println!(
                "filling {} with {} messages ...",
                smsgate_store::display_url(&url),
                args.messages
            );
            let start = Instant::now();
            fill(&store, args.messages).await?;
            println!("filled in {:.1} s", start.elapsed().as_secs_f64());
            if url.starts_with("postgres") {
                analyze(&url).await?;
            }
        }
    }

    let end = START + SPAN_DAYS * DAY;
    let newest = store.search_messages(search(|_| {})).await.map_err(|e| e.to_string())?;
    // The cursor of the 10th page, for a page deep in the results.
    let mut deep = newest.next_cursor.clone();
    for _ in 0..8 {
        let page = store
            .search_messages(search(|s| s.after = deep.clone()))
            .await
            .map_err(|e| e.to_string())?;
        deep = page.next_cursor;
    }
    let middle = args.messages / 2;
    let searches: Vec<(&str, MessageSearch)> = vec![
        ("search: newest 100", search(|_| {})),
        ("search: the 10th page of 100", search(|s| s.after = deep.clone())),
        (
            "search: by number",
            search(|s| s.to = Some(number(random_number(middle)))),
        ),
        (
            "search: by message id",
            search(|s| s.id = Some(format!("msg-{middle:08}"))),
        ),
        (
            "search: by outbound id",
            search(|s| s.outbound_id = Some(format!("ob_{:08}", middle / 2 * 2))),
        ),
        (
            "search: expired (2%), newest 100",
            search(|s| s.status = Some(Status::Expired)),
        ),
        (
            "search: one provider, undelivered, one day",
            search(|s| {
                s.provider = Some(Provider::Smarthive);
                s.status = Some(Status::Undelivered);
                s.since = Some(end - 2 * DAY);
                s.until = Some(end - DAY);
            }),
        ),
    ];
    println!("\n| query | median of {RUNS} | found |\n|---|---|---|");
    for (name, query) in searches {
        let (took, page) = time(|| store.search_messages(query.clone())).await;
        let page = page.map_err(|e| e.to_string())?;
        println!("| {name} | {:.1} ms | {} |", ms(took), page.messages.len());
    }
    let windows = [
        ("stats: one day, hourly", end - DAY, 3_600_000, None),
        (
            "stats: one provider, one day, hourly",
            end - DAY,
            3_600_000,
            Some(Provider::Clearline),
        ),
        ("stats: 7 days, 6-hourly", end - 7 * DAY, 6 * 3_600_000, None),
        ("stats: 30 days (every message), daily", START, DAY, None),
    ];
    for (name, since, bucket, provider) in windows {
        let window =
            DeliveryWindow::new(Some(since), Some(end), Some(bucket), provider, end).map_err(|e| e.to_string())?;
        let (took, stats) = time(|| store.delivery_stats(window)).await;
        let stats = stats.map_err(|e| e.to_string())?;
        let counted: u64 = stats.providers.iter().map(|p| p.total.messages).sum();
        let first = &stats.providers[0];
        println!(
            "| {name} | {:.1} ms | {counted} messages ({} p50 {:?} ms) |",
            ms(took),
            first.provider,
            first.total.latency.p50
        );
    }
    Ok(())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Statistics for PostgreSQL's planner, as autovacuum gathers them.
async fn analyze(url: &str) -> Result<(), String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("connecting to ANALYZE: {e} (the benchmark connects without TLS)"))?;
    tokio::spawn(connection);
    client.batch_execute("ANALYZE").await.map_err(|e| e.to_string())
}
