//! `smsgate messages show`: one message, as a table or JSON, from the
//! query API (`--server`) and from the store itself (`--database`), the
//! same either way.

use crate::harness::{get, parse_json, reader, run, seeded, smsgate, tempdir};

#[test]
fn messages_show_prints_a_message_from_the_server_and_from_the_store() {
    let dir = tempdir();
    let (server, database) = seeded(dir.path());
    let show = ["messages", "show", "clickatell", "m1"];

    let table = run(reader(&server, dir.path(), &show)).success();
    assert_eq!(
        table.lines[0],
        "clickatell m1: delivered since 2023-11-14T22:13:25.000Z"
    );
    assert!(
        table.lines.contains(&"client message id: order-1".to_string()),
        "{table:#?}"
    );
    let header = table
        .lines
        .iter()
        .position(|l| l.starts_with("PROVIDER TIME"))
        .unwrap_or_else(|| panic!("no table header: {table:#?}"));
    let header_line = &table.lines[header];
    for column in ["STATUS", "RAW STATUS", "RAW CODE", "DESCRIPTION", "RECEIVED"] {
        assert!(header_line.contains(column), "{header_line}");
    }
    let rows: Vec<Vec<&str>> = table.lines[header + 1..]
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "both events, in provider-time order: {table:#?}");
    assert_eq!(
        rows[0][..5],
        ["2023-11-14T22:13:20.000Z", "sent", "SENT_TO_SUPPLIER", "4", "-"]
    );
    assert_eq!(
        rows[1][..5],
        ["2023-11-14T22:13:25.000Z", "delivered", "DEVICE_ACK", "5", "-"]
    );
    for row in &rows {
        assert_eq!(row.len(), 6, "{row:?}");
        assert!(
            row[5].ends_with('Z') && row[5].len() == 24,
            "RECEIVED is a UTC time: {row:?}"
        );
    }

    let mut json_show = show.to_vec();
    json_show.push("--json");
    let from_server = parse_json(&run(reader(&server, dir.path(), &json_show)).success().stdout());
    assert_eq!(from_server["provider"], "clickatell");
    assert_eq!(from_server["message_id"], "m1");
    assert_eq!(from_server["client_message_id"], "order-1");
    assert_eq!(from_server["status"], "delivered");
    assert_eq!(from_server["status_at"], 1_700_000_005_000_i64);
    let events = from_server["events"].as_array().expect("events");
    assert_eq!(events.len(), 2, "{from_server:#}");
    assert_eq!(events[0]["status"], "sent");
    assert_eq!(events[0]["raw_status"], "SENT_TO_SUPPLIER");
    assert_eq!(events[0]["raw_code"], "4");
    assert_eq!(events[0]["occurred_at"], 1_700_000_000_000_i64);
    assert_eq!(events[0]["channel"], "sms");
    assert_eq!(events[1]["status"], "delivered");
    assert_eq!(events[1]["raw_code"], "5");
    assert!(events[1]["received_at"].is_i64(), "{from_server:#}");
    // The query API's own answer, unchanged.
    let (status, body) = get(
        &format!("{}/v1/messages/clickatell/m1", server.api_base),
        Some(&server.api_token),
    );
    assert_eq!(status, 200);
    assert_eq!(from_server, parse_json(&body));

    // The same from the store itself, while the receiver still runs.
    let mut direct = json_show.clone();
    direct.extend(["--database", &database]);
    let from_store = parse_json(&run(smsgate(dir.path(), &direct)).success().stdout());
    assert_eq!(from_store, from_server);
    let mut direct_table = show.to_vec();
    direct_table.extend(["--database", &database]);
    assert_eq!(run(smsgate(dir.path(), &direct_table)).success().lines, table.lines);

    // SmartHive's documented example, as stored.
    let smarthive = parse_json(
        &run(reader(
            &server,
            dir.path(),
            &["messages", "show", "smarthive", "jyd823-23n", "--json"],
        ))
        .success()
        .stdout(),
    );
    assert_eq!(smarthive["status"], "delivered");
    assert_eq!(
        smarthive["status_at"], 1_699_131_420_000_i64,
        "202311042057 read as UTC"
    );
    assert_eq!(smarthive["events"][0]["raw_status"], "DELIVRD");
    assert_eq!(smarthive["events"][0]["raw_code"], "err:000");
    assert_eq!(smarthive["events"][0]["description"], "DELIVERED");

    // An inbound message is not an outbound message, from either source.
    let stderr = run(reader(&server, dir.path(), &["messages", "show", "clickatell", "r1"])).failure();
    assert!(stderr.contains("no message r1 from clickatell"), "{stderr}");
    let stderr = run(smsgate(
        dir.path(),
        &["messages", "show", "clickatell", "r1", "--database", &database],
    ))
    .failure();
    assert!(stderr.contains("no message r1 from clickatell"), "{stderr}");
}
