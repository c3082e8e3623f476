//! Benchmarks of the callback parsers: one per route and input form, on the
//! payloads the parser tests use (`tests/payloads/`: the providers' published
//! examples and Clickatell's documented fields), plus the quarantine path and
//! One API batches. Parsing runs on every callback before its commit, so its
//! cost adds to every acknowledgement's latency.
//!
//! `json/*` times only reading the body (`smsgate::lenient::parse`), so that
//! `parse/X` minus `json/X` is the cost of the typed read, the status mapping
//! and building the events.
//!
//! Run with `cargo bench -p smsgate-callbacks` (`-- --quick` for a short run).

#[path = "../tests/payloads/mod.rs"]
mod payloads;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use payloads::*;
use serde_json::{Value, json};
use smsgate_callbacks::{Input, Route, Unparseable, parse};

/// What a provider sends: a GET query string or a POST body.
enum Sent {
    Query(&'static str),
    Body(String),
}

impl Sent {
    fn input(&self) -> Input<'_> {
        match self {
            Sent::Query(query) => Input::Query(query),
            Sent::Body(body) => Input::Body(body.as_bytes()),
        }
    }
}

/// One callback of each route and form, by bench name.
fn callbacks() -> Vec<(String, Route, Sent)> {
    let mut callbacks = vec![
        (
            "clickatell_sms_status/query".to_string(),
            Route::ClickatellSmsStatus,
            Sent::Query(SMS_STATUS_QUERY),
        ),
        (
            "clickatell_sms_status/json".to_string(),
            Route::ClickatellSmsStatus,
            Sent::Body(sms_status_json().to_string()),
        ),
        (
            "clickatell_sms_reply/query".to_string(),
            Route::ClickatellSmsReply,
            Sent::Query(SMS_REPLY_QUERY),
        ),
        (
            "clickatell_sms_reply/json".to_string(),
            Route::ClickatellSmsReply,
            Sent::Body(sms_reply_json().to_string()),
        ),
        (
            "one_api_status/messageStatusUpdate".to_string(),
            Route::ClickatellOneApiStatus,
            Sent::Body(
                one_api(json!({"messageStatusUpdate": [one_api_update(json!(5), json!("DEVICE_ACK"))]})).to_string(),
            ),
        ),
    ];
    for (kind, item, ..) in seven_inbound_types() {
        callbacks.push((
            format!("one_api_reply/{kind}"),
            Route::ClickatellOneApiReply,
            Sent::Body(one_api(json!({ kind: [item] })).to_string()),
        ));
    }
    callbacks.push((
        "smarthive_status/example".to_string(),
        Route::SmarthiveStatus,
        Sent::Body(smarthive_example()),
    ));
    callbacks.push((
        "clearline_status/example".to_string(),
        Route::ClearlineStatus,
        Sent::Body(clearline_example()),
    ));
    callbacks
}

/// Checks that the callback parses into exactly `events` events, so that no
/// bench silently measures the quarantine path instead.
fn assert_events(route: Route, sent: &Sent, events: usize) {
    let callback = parse(route, sent.input()).unwrap_or_else(|e| panic!("{route:?} rejected its payload: {e}"));
    assert_eq!(
        callback.status.len() + callback.inbound.len(),
        events,
        "{route:?}: {callback:?}"
    );
}

fn each_route(c: &mut Criterion) {
    let callbacks = callbacks();
    let mut group = c.benchmark_group("parse");
    for (name, route, sent) in &callbacks {
        assert_events(*route, sent, 1);
        group.bench_function(name, |b| b.iter(|| parse(black_box(*route), black_box(sent.input()))));
    }
    group.finish();

    let mut group = c.benchmark_group("json");
    for (name, _, sent) in &callbacks {
        if let Sent::Body(body) = sent {
            group.bench_function(name, |b| b.iter(|| smsgate::lenient::parse(black_box(body.as_bytes()))));
        }
    }
    group.finish();
}

/// Bodies that are quarantined: a body cut off in transit (not JSON), and an
/// event that cannot be matched to a message.
fn quarantine(c: &mut Criterion) {
    let status = one_api(json!({"messageStatusUpdate": [one_api_update(json!(5), json!("DEVICE_ACK"))]})).to_string();
    let truncated = status[..status.len() / 2].to_string();
    let mut without_id: Value = smsgate::lenient::parse(smarthive_example().as_bytes()).expect("the example reads");
    without_id.as_object_mut().expect("an object").remove("msg_id");
    let cases = [
        ("truncated_one_api_status", Route::ClickatellOneApiStatus, truncated),
        (
            "smarthive_without_msg_id",
            Route::SmarthiveStatus,
            without_id.to_string(),
        ),
    ];

    let mut group = c.benchmark_group("quarantine");
    for (name, route, body) in cases {
        assert!(
            matches!(parse(route, Input::Body(body.as_bytes())), Err(Unparseable(_))),
            "{name} was not quarantined"
        );
        group.bench_function(name, |b| {
            b.iter(|| parse(black_box(route), black_box(Input::Body(body.as_bytes()))))
        });
    }
    group.finish();
}

/// One API callbacks with several `messageStatusUpdate` events (a message's
/// life: queued, sent, delivered, read; each event its own message id).
fn one_api_batch(events: usize) -> String {
    let life = [(2, "QUEUED"), (4, "SENT_TO_SUPPLIER"), (5, "DEVICE_ACK"), (6, "READ")];
    let updates: Vec<Value> = (0..events)
        .map(|i| {
            let (code, name) = life[i % life.len()];
            let mut update = one_api_update(json!(code), json!(name));
            update["messageId"] = json!(format!("msg-{i:06}"));
            update
        })
        .collect();
    one_api(json!({ "messageStatusUpdate": updates })).to_string()
}

fn batches(c: &mut Criterion) {
    let mut group = c.benchmark_group("one_api_status_batch");
    for events in [1, 10, 100] {
        let sent = Sent::Body(one_api_batch(events));
        assert_events(Route::ClickatellOneApiStatus, &sent, events);
        group.throughput(Throughput::Elements(events as u64));
        group.bench_with_input(BenchmarkId::from_parameter(events), &sent, |b, sent| {
            b.iter(|| parse(Route::ClickatellOneApiStatus, black_box(sent.input())))
        });
    }
    group.finish();
}

criterion_group!(benches, each_route, quarantine, batches);
criterion_main!(benches);
