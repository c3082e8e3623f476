//! `smsgate quarantine list` and `replay`: requests an older version
//! could not parse, stored straight in the store, are listed, replayed once
//! they parse (each event stored once) and kept while they do not.

use crate::harness::{block_on, parse_json, run, smsgate, sqlite, tempdir};

/// Stores `request` as quarantined "by an older version", straight in the store.
fn quarantine(
    database: &str,
    provider: smsgate_normalize::Provider,
    method: &str,
    path: &str,
    query: Option<&str>,
    body: &[u8],
) {
    block_on(async {
        let store = smsgate_store::open(database).await.expect("the store opens");
        let ingest = smsgate_store::Ingest {
            raw: smsgate_store::RawRequest {
                provider,
                method: method.into(),
                path: path.into(),
                query: query.map(str::to_string),
                content_type: Some("application/json".into()),
                body: body.to_vec(),
                received_at: 1_700_000_000_000,
            },
            parsed: smsgate_store::Parsed::Quarantined {
                error: "rejected by an older version".into(),
            },
        };
        let outcome = store.ingest(ingest).await.expect("stored");
        assert!(outcome.quarantined);
    });
}

#[test]
fn quarantine_replay_stores_what_now_parses_once_and_keeps_the_rest() {
    use smsgate_normalize::Provider;
    let dir = tempdir();
    let d = dir.path();
    let database = sqlite(d, "db");
    let clearline = "/client-callback/clearline-status";
    quarantine(
        &database,
        Provider::Clearline,
        "POST",
        clearline,
        None,
        br#"{"messageId": "7c2e9a", "deliveryStatus": "Delivered", "reasonText": "Delivered to handset"}"#,
    );
    quarantine(&database, Provider::Clearline, "POST", clearline, None, b"not json {");
    quarantine(
        &database,
        Provider::Clickatell,
        "GET",
        "/client-callback/sms-status",
        Some("messageId=g1&statusCode=004&status=RECEIVED_BY_RECIPIENT&timestamp=1700000000123"),
        b"",
    );
    let db = ["--database", database.as_str()];
    let command = |args: &[&str]| {
        let mut command = smsgate(d, args);
        command.args(db);
        command
    };

    let listed = run(command(&["quarantine", "list"])).success().lines;
    assert_eq!(listed.len(), 4, "a header and three rows: {listed:#?}");
    assert!(
        listed[0].starts_with("ID") && listed[0].contains("ERROR"),
        "{listed:#?}"
    );
    assert!(
        listed[1].starts_with("1 ") && listed[1].contains("clearline"),
        "{listed:#?}"
    );
    assert!(listed[1].contains(clearline) && listed[1].contains("rejected by an older version"));
    assert!(
        listed[3].contains("GET") && listed[3].contains("2023-11-14T22:13:20.000Z"),
        "{listed:#?}"
    );
    let json = parse_json(&run(command(&["quarantine", "list", "--json"])).success().stdout());
    assert_eq!(json.as_array().map(Vec::len), Some(3), "{json}");
    assert_eq!(json[1]["body"], "not json {");

    // A dry run says what it would do and stores nothing.
    let dry = run(command(&["quarantine", "replay", "--dry-run"])).success().lines;
    assert_eq!(
        dry.last().unwrap(),
        "would replay 2, still quarantined 1 (dry run: nothing stored)",
        "{dry:#?}"
    );
    assert_eq!(
        run(command(&["quarantine", "list", "--json"]))
            .success()
            .stdout()
            .matches("\"id\"")
            .count(),
        3
    );

    let replayed = run(command(&["quarantine", "replay"])).success().lines;
    assert_eq!(replayed.len(), 4, "{replayed:#?}");
    assert!(replayed[0].starts_with("replayed #1 clearline POST"), "{replayed:#?}");
    assert!(replayed[0].contains("stored 1 status events"), "{replayed:#?}");
    assert!(
        replayed[1].starts_with("still quarantined #2 clearline"),
        "{replayed:#?}"
    );
    assert!(replayed[2].starts_with("replayed #3 clickatell GET"), "{replayed:#?}");
    assert_eq!(replayed[3], "replayed 2, still quarantined 1");

    let shown = run(command(&["messages", "show", "clearline", "7c2e9a"]))
        .success()
        .stdout();
    assert!(shown.contains("clearline 7c2e9a: delivered"), "{shown}");
    assert!(shown.contains("Delivered to handset"), "{shown}");
    let shown = run(command(&["messages", "show", "clickatell", "g1"]))
        .success()
        .stdout();
    assert!(shown.contains("clickatell g1: delivered"), "{shown}");
    let events = run(command(&["events", "tail", "--json"])).success().lines;
    assert_eq!(events.len(), 2, "each event once in the feed: {events:#?}");

    let listed = run(command(&["quarantine", "list"])).success().lines;
    assert_eq!(listed.len(), 2, "only the unparseable one is left: {listed:#?}");
    assert!(listed[1].starts_with("2 "), "{listed:#?}");

    // Replaying again finds nothing new to store.
    let again = run(command(&["quarantine", "replay"])).success().lines;
    assert_eq!(again.last().unwrap(), "replayed 0, still quarantined 1", "{again:#?}");
    assert_eq!(run(command(&["events", "tail", "--json"])).success().lines.len(), 2);
}

#[test]
fn quarantine_commands_read_only_the_store() {
    let dir = tempdir();
    let d = dir.path();
    let database = sqlite(d, "db");
    let empty = run(smsgate(d, &["quarantine", "replay", "--database", &database]))
        .success()
        .lines;
    assert_eq!(empty, ["replayed 0, still quarantined 0"]);
    let mut command = smsgate(d, &["quarantine", "list"]);
    command.env("SMSGATE_DATABASE", &database);
    assert_eq!(
        run(command).success().lines,
        ["ID  PROVIDER  METHOD  PATH  RECEIVED  ERROR"]
    );
    let error = run(smsgate(d, &["quarantine", "list", "--server", "http://127.0.0.1:1"])).failure();
    assert!(error.contains("--server"), "{error}");
}
