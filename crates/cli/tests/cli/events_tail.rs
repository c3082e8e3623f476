//! `smsgate events tail`: every stored event once, in commit order, from
//! the query API and from the store; resuming after a cursor; and
//! `--follow`, printing new events as they arrive.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::Value;
use smsgate_test_support::process::{ChildProcess, STEP};

use crate::harness::{assert_acknowledged, parse_json, post, reader, run, seeded, smsgate, stored_events, tempdir};
use crate::payloads::{SEEDED, SMARTHIVE_LATE};

#[test]
fn events_tail_prints_every_event_once_and_resumes_after_a_cursor() {
    let dir = tempdir();
    let (server, database) = seeded(dir.path());

    let json_lines = run(reader(&server, dir.path(), &["events", "tail", "--json"]))
        .success()
        .lines;
    let events: Vec<Value> = json_lines.iter().map(|l| parse_json(l)).collect();
    let seen: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            assert!(e.is_object(), "{e}");
            (
                e["kind"].as_str().expect("kind"),
                e["provider"].as_str().expect("provider"),
                e["message_id"].as_str().expect("message_id"),
            )
        })
        .collect();
    assert_eq!(seen, SEEDED, "every stored event once, in commit order");
    assert_eq!(events[0]["status"], "sent");
    assert_eq!(events[1]["status"], "delivered");
    assert_eq!(events[2]["status"], "delivered");
    assert_eq!(events[3]["type"], "text");
    assert_eq!(events[3]["text"], "Thanks!");
    assert_eq!(events[3]["from"], "27821234567");
    assert_eq!(events[3]["related_message_id"], "m1");
    let cursors: Vec<&str> = events.iter().map(|e| e["cursor"].as_str().expect("cursor")).collect();
    assert_eq!(
        cursors.iter().collect::<BTreeSet<_>>().len(),
        4,
        "distinct cursors: {cursors:?}"
    );
    // The query API's own feed, unchanged.
    assert_eq!(events, stored_events(&server));

    // The store gives the same lines.
    let direct = run(smsgate(
        dir.path(),
        &["events", "tail", "--json", "--database", &database],
    ))
    .success();
    assert_eq!(direct.lines, json_lines);

    // The table: a header, then one row per event, led by its cursor.
    let table = run(reader(&server, dir.path(), &["events", "tail"])).success().lines;
    assert_eq!(table.len(), 5, "{table:#?}");
    let header: Vec<&str> = table[0].split_whitespace().collect();
    assert_eq!(header[..4], ["CURSOR", "KIND", "PROVIDER", "MESSAGE"], "{table:#?}");
    for (row, (cursor, (kind, provider, message))) in table[1..].iter().zip(cursors.iter().zip(SEEDED)) {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[..4], [*cursor, kind, provider, message], "{row}");
    }
    assert!(
        table[2].contains("delivered") && table[2].contains("DEVICE_ACK"),
        "{}",
        table[2]
    );
    assert!(table[3].contains("2023-11-04T20:57:00.000Z"), "{}", table[3]);
    assert!(table[4].contains("from 27821234567: Thanks!"), "{}", table[4]);

    // --after continues from a cursor; after the last one, nothing.
    let after = run(reader(
        &server,
        dir.path(),
        &["events", "tail", "--json", "--after", cursors[1]],
    ))
    .success();
    assert_eq!(after.lines, json_lines[2..]);
    let after = run(smsgate(
        dir.path(),
        &[
            "events",
            "tail",
            "--json",
            "--after",
            cursors[1],
            "--database",
            &database,
        ],
    ))
    .success();
    assert_eq!(after.lines, json_lines[2..]);
    let after = run(reader(&server, dir.path(), &["events", "tail", "--after", cursors[3]])).success();
    assert_eq!(after.lines, Vec::<String>::new(), "nothing after the last cursor");

    let stderr = run(reader(&server, dir.path(), &["events", "tail", "--after", "garbage"])).failure();
    assert!(stderr.contains("bad cursor `garbage`"), "{stderr}");
}
#[test]
fn events_tail_follow_prints_new_events_as_they_arrive() {
    let dir = tempdir();
    let (server, database) = seeded(dir.path());
    let follow = ["events", "tail", "--follow", "--json", "--poll-ms", "100"];
    let through_api = ChildProcess::spawn(reader(&server, dir.path(), &follow));
    let mut direct = follow.to_vec();
    direct.extend(["--database", &database]);
    let through_store = ChildProcess::spawn(smsgate(dir.path(), &direct));

    for follower in [&through_api, &through_store] {
        for (kind, provider, message) in SEEDED {
            let line = follower.line(STEP).expect("a follower keeps running");
            let event = parse_json(&line);
            let seen = (
                event["kind"].as_str(),
                event["provider"].as_str(),
                event["message_id"].as_str(),
            );
            assert_eq!(seen, (Some(kind), Some(provider), Some(message)), "{line}");
        }
    }

    let posted = Instant::now();
    assert_acknowledged(post(
        server.callback_url("/client-callback/smarthive-status"),
        SMARTHIVE_LATE,
    ));
    for follower in [&through_api, &through_store] {
        let line = follower
            .maybe_line(Duration::from_secs(5))
            .expect("the new event within 5 s");
        let event = parse_json(&line);
        assert_eq!(event["kind"], "status");
        assert_eq!(event["provider"], "smarthive");
        assert_eq!(event["message_id"], "late-1");
        assert_eq!(event["status"], "undelivered");
        assert_eq!(event["raw_code"], "err:001");
    }
    assert!(posted.elapsed() < Duration::from_secs(5));
    // Several more polls print nothing again.
    for follower in [&through_api, &through_store] {
        assert_eq!(follower.maybe_line(Duration::from_millis(600)), None, "each event once");
    }
    drop(through_api);
    drop(through_store);
}

/// A reader that stops early (`smsgate events tail | head -1`) closes the
/// pipe: the command ends quietly with success, not with a panic.
#[test]
fn events_tail_ends_quietly_when_its_reader_stops_early() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = tempdir();
    let database = crate::harness::sqlite(dir.path(), "many.db");
    // More events than a pipe holds (64 KiB), stored through the store.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = smsgate_store::open(&database).await.unwrap();
        let status = (0..3000)
            .map(|i| smsgate_normalize::StatusEvent {
                provider: smsgate_normalize::Provider::Clearline,
                message_id: format!("m{i}"),
                client_message_id: None,
                to: None,
                from: None,
                status: smsgate_normalize::Status::Delivered,
                raw_status: Some("DELIVERED".into()),
                raw_code: None,
                description: None,
                occurred_at: None,
                channel: None,
                dedup_key: format!("m{i}"),
            })
            .collect();
        store
            .ingest(smsgate_store::Ingest {
                raw: smsgate_store::RawRequest {
                    provider: smsgate_normalize::Provider::Clearline,
                    method: "POST".into(),
                    path: "/test".into(),
                    query: None,
                    content_type: None,
                    body: Vec::new(),
                    received_at: 1,
                },
                parsed: smsgate_store::Parsed::Events {
                    status,
                    inbound: Vec::new(),
                },
            })
            .await
            .unwrap();
    });

    let mut command = smsgate(dir.path(), &["events", "tail", "--json", "--database", &database]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("\"message_id\":\"m0\""), "{first}");
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
