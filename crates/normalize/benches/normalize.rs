//! Benchmarks of status normalization: each provider's status codes and
//! words mapped to [`Status`], and the precedence key a store compares before
//! it replaces a message's current status. Both run for every status event
//! the receiver stores.
//!
//! Each bench maps a table of what the provider really sends (the common
//! statuses of a message's life, a status sent by name only, and one that is
//! unmapped), so throughput is reported per status. Building the whole
//! `StatusEvent` from a callback is measured where it happens, in the
//! callbacks crate's `parse` bench.
//!
//! Run with `cargo bench -p smsgate-normalize` (`-- --quick` for a short run).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smsgate_normalize::{Status, mapping};

/// Clickatell SMS `statusCode` and `status`.
const CLICKATELL_SMS: [(Option<i64>, Option<&str>); 8] = [
    (Some(2), Some("MESSAGE_QUEUED")),
    (Some(3), Some("DELIVERED_TO_GATEWAY")),
    (Some(4), Some("RECEIVED_BY_RECIPIENT")),
    (Some(7), Some("ERROR_DELIVERING")),
    (Some(10), Some("MESSAGE_EXPIRED")),
    (Some(12), Some("OUT_OF_CREDIT")),
    (None, Some("RECEIVED_BY_RECIPIENT")),
    (Some(77), Some("SOMETHING_NEW")),
];

/// Clickatell One API `statusCode` and `status`.
const CLICKATELL_ONE_API: [(Option<i64>, Option<&str>); 8] = [
    (Some(2), Some("QUEUED")),
    (Some(4), Some("SENT_TO_SUPPLIER")),
    (Some(5), Some("DEVICE_ACK")),
    (Some(6), Some("READ")),
    (Some(23), Some("DELIVERY_FAILURE")),
    (Some(71), None),
    (None, Some("READ")),
    (Some(50), Some("SOMETHING_NEW")),
];

/// SmartHive's SMPP `stat`.
const SMARTHIVE: [Option<&str>; 8] = [
    Some("ENROUTE"),
    Some("DELIVRD"),
    Some("UNDELIV"),
    Some("EXPIRED"),
    Some("REJECTD"),
    Some("delivrd"),
    Some("NEWSTAT"),
    None,
];

/// ClearLine's `externalDeliveryStatus` and `deliveryStatus`.
const CLEARLINE: [(Option<&str>, Option<&str>); 6] = [
    (Some("Delivered"), Some("Delivered")),
    (Some("Failed"), Some("DeliveredFailed")),
    (Some("Expired"), Some("DeliveredFailed")),
    (None, Some("Delivered")),
    (Some("Pending"), Some("DeliveredFailed")),
    (Some("string"), Some("string")),
];

fn provider_statuses(c: &mut Criterion) {
    let mut group = c.benchmark_group("status");

    group.throughput(Throughput::Elements(CLICKATELL_SMS.len() as u64));
    group.bench_function("clickatell_sms", |b| {
        b.iter(|| CLICKATELL_SMS.map(|(code, name)| mapping::clickatell_sms(black_box(code), black_box(name))))
    });

    group.throughput(Throughput::Elements(CLICKATELL_ONE_API.len() as u64));
    group.bench_function("clickatell_one_api", |b| {
        b.iter(|| CLICKATELL_ONE_API.map(|(code, name)| mapping::clickatell_one_api(black_box(code), black_box(name))))
    });

    group.throughput(Throughput::Elements(SMARTHIVE.len() as u64));
    group.bench_function("smarthive", |b| {
        b.iter(|| SMARTHIVE.map(|stat| mapping::smpp_stat(black_box(stat))))
    });

    group.throughput(Throughput::Elements(CLEARLINE.len() as u64));
    group.bench_function("clearline", |b| {
        b.iter(|| CLEARLINE.map(|(external, delivery)| mapping::clearline(black_box(external), black_box(delivery))))
    });

    group.finish();
}

/// The key of every status, with and without a provider time.
fn precedence(c: &mut Criterion) {
    let mut group = c.benchmark_group("precedence_key");
    group.throughput(Throughput::Elements(2 * Status::ALL.len() as u64));
    group.bench_function("every_status", |b| {
        b.iter(|| {
            Status::ALL.map(|status| {
                let at = black_box(Some(1_700_000_000_123));
                (status.precedence_key(at), status.precedence_key(black_box(None)))
            })
        })
    });
    group.finish();
}

criterion_group!(benches, provider_statuses, precedence);
criterion_main!(benches);
