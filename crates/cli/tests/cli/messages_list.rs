//! `smsgate messages list` and `smsgate stats`: a search and the delivery
//! figures, as tables or JSON, the same from the query API (`--server`)
//! and from the store (`--database`); bad flags say what is expected.

use crate::harness::{parse_json, reader, run, seeded, smsgate, tempdir};

#[test]
fn messages_list_and_stats_from_the_server_and_from_the_store() {
    let dir = tempdir();
    let (server, database) = seeded(dir.path());
    let both = |args: &[&str]| {
        let from_server = run(reader(&server, dir.path(), args)).success().stdout();
        let mut direct = args.to_vec();
        direct.extend(["--database", &database]);
        let from_store = run(smsgate(dir.path(), &direct)).success().stdout();
        assert_eq!(from_server, from_store, "{args:?}");
        from_server
    };

    // Newest first: the SmartHive report was posted after m1's statuses.
    let page = parse_json(&both(&["messages", "list", "--json"]));
    let ids: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["jyd823-23n", "m1"], "{page:#}");
    assert_eq!(page["next_cursor"], serde_json::Value::Null);
    assert_eq!(page["messages"][1]["client_message_id"], "order-1");

    let table = both(&["messages", "list", "--provider", "clickatell", "--status", "Delivered"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("FIRST SEEN"), "{table}");
    for column in [
        "PROVIDER",
        "MESSAGE ID",
        "STATUS",
        "TO",
        "CLIENT MESSAGE ID",
        "DELIVERED AFTER",
    ] {
        assert!(lines[0].contains(column), "{table}");
    }
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(row[1..4], ["clickatell", "m1", "delivered"], "{table}");
    assert_eq!(lines.len(), 2, "{table}");

    // One a page: the cursor printed under the first leads to the second.
    let first = both(&["messages", "list", "--limit", "1"]);
    let cursor = first
        .lines()
        .find_map(|l| l.strip_prefix("more: the same command with --after "))
        .unwrap_or_else(|| panic!("no cursor: {first}"))
        .to_string();
    let second = parse_json(&both(&[
        "messages", "list", "--limit", "1", "--after", &cursor, "--json",
    ]));
    assert_eq!(second["messages"][0]["message_id"], "m1");
    assert_eq!(second["next_cursor"], serde_json::Value::Null);
    let none = parse_json(&both(&[
        "messages",
        "list",
        "--since",
        "2001-01-01",
        "--until",
        "2001-01-02",
        "--json",
    ]));
    assert_eq!(none["messages"], serde_json::json!([]));

    // Statistics over the last day: both messages delivered; neither has a
    // known submission, so no latency.
    let relative = run(reader(
        &server,
        dir.path(),
        &["stats", "--json", "--since", "1d", "--until", "1h", "--bucket", "6h"],
    ));
    let relative = parse_json(&relative.success().stdout());
    assert_eq!(relative["bucket"], 6 * 3_600_000);
    assert_eq!(
        relative["until"].as_i64().unwrap() - relative["since"].as_i64().unwrap(),
        23 * 3_600_000
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let (since, until) = ((now - 86_400_000).to_string(), (now + 60_000).to_string());
    let stats = parse_json(&both(&["stats", "--json", "--since", &since, "--until", &until]));
    let providers = stats["providers"].as_array().unwrap();
    let by_id = |id: &str| providers.iter().find(|p| p["provider"] == id).unwrap()["total"].clone();
    assert_eq!(by_id("clickatell")["messages"], 1);
    assert_eq!(by_id("smarthive")["statuses"]["delivered"], 1);
    assert_eq!(by_id("smarthive")["delivery_rate"], 1.0);
    assert_eq!(by_id("clearline")["messages"], 0);
    assert_eq!(
        by_id("clickatell")["latency"],
        serde_json::json!({"count": 0, "p50": null, "p90": null, "p99": null})
    );
    let table = both(&["stats", "--provider", "smarthive", "--since", &since, "--until", &until]);
    assert!(table.contains("buckets of 1h 00m"), "{table}");
    let total = table
        .lines()
        .find(|l| l.starts_with("smarthive "))
        .unwrap_or_else(|| panic!("{table}"));
    assert_eq!(
        total.split_whitespace().collect::<Vec<_>>(),
        ["smarthive", "1", "1", "0", "0", "100.0%", "-", "-", "-"]
    );

    for (args, expected) in [
        (
            &["messages", "list", "--status", "sending"][..],
            "unknown status `sending`: expected one of unknown, accepted",
        ),
        (
            &["messages", "list", "--provider", "twilio"],
            "unknown provider `twilio`: expected clickatell",
        ),
        (
            &["messages", "list", "--since", "yesterday"],
            "bad --since `yesterday`: expected an RFC 3339 time",
        ),
        (&["messages", "list", "--limit", "0"], "0 is not in 1..=1000"),
        (
            &["stats", "--bucket", "0s"],
            "bad --bucket `0s`: it must be longer than 0",
        ),
        (&["stats", "--since", "1h", "--until", "2h"], "must be before until"),
        (
            &["stats", "--since", "7d", "--bucket", "1s"],
            "at most 1000 are allowed",
        ),
    ] {
        let stderr = run(reader(&server, dir.path(), args)).failure();
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
