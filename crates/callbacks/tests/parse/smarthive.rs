//! SmartHive's status reports: the published example exactly as in the
//! doc, its status words and times, and the leniency real reports need.

use serde_json::json;
use smsgate_callbacks::Route;
use smsgate_normalize::{Provider, Status, StatusEvent};

use crate::payloads::smarthive_example;
use crate::{assert_status, err_of, keys, only_status, spec_properties, status_of, try_body, without};

#[test]
fn smarthive_published_example_exactly_as_in_the_doc() {
    let example = smarthive_example();
    // The page's example, as published: a trailing comma and string numbers.
    assert!(example.trim_end().ends_with(",\n}"), "{example}");
    let fields = keys(&smsgate::lenient::parse(example.as_bytes()).unwrap());
    assert_eq!(
        fields,
        spec_properties("smarthive-callbacks", "SmartHiveStatusCallback")
    );
    let event = only_status(try_body(Route::SmarthiveStatus, example.as_bytes()).unwrap());
    assert_status(
        &event,
        StatusEvent {
            provider: Provider::Smarthive,
            message_id: "jyd823-23n".into(),
            client_message_id: None,
            to: None,
            from: None,
            status: Status::Delivered,
            raw_status: Some("DELIVRD".into()),
            raw_code: Some("err:000".into()),
            description: Some("DELIVERED".into()),
            // 202311042057 read as UTC: 2023-11-04T20:57:00Z.
            occurred_at: Some(1_699_131_420_000),
            channel: Some("sms".into()),
            dedup_key: String::new(),
        },
    );
}

#[test]
fn smarthive_stat_words_and_times() {
    let stats = [
        ("DELIVRD", Status::Delivered),
        ("delivrd", Status::Delivered),
        ("UNDELIV", Status::Undelivered),
        ("EXPIRED", Status::Expired),
        ("REJECTD", Status::Rejected),
        ("DELETED", Status::Cancelled),
        ("ENROUTE", Status::Sent),
        ("ACCEPTD", Status::Sent),
        ("UNKNOWN", Status::Unknown),
        ("NEWSTAT", Status::Unknown),
    ];
    for (stat, expected) in stats {
        let event = status_of(Route::SmarthiveStatus, &json!({"msg_id": "m-1", "status": stat}));
        assert_eq!(event.status, expected, "{stat}");
        assert_eq!(event.raw_status.as_deref(), Some(stat));
    }
    let times = [
        (json!("202311042057"), Some(1_699_131_420_000)),
        (json!(202311042057_i64), Some(1_699_131_420_000)),
        (json!("20231104205701"), Some(1_699_131_421_000)),
        (json!(" 202311042057 "), Some(1_699_131_420_000)),
        (json!("2023-11-04T20:57:00Z"), Some(1_699_131_420_000)),
        (json!("202313042057"), None),
        (json!("2023110420"), None),
        (json!("later"), None),
        (json!(["202311042057"]), None),
    ];
    for (timestamp, expected) in times {
        let event = status_of(
            Route::SmarthiveStatus,
            &json!({"msg_id": "m-1", "status": "DELIVRD", "timestamp": timestamp}),
        );
        assert_eq!(event.occurred_at, expected, "timestamp {timestamp}");
        assert_eq!(event.status, Status::Delivered, "timestamp {timestamp}");
    }
}

#[test]
fn smarthive_leniency() {
    // Numbers as strings (str_length is documented as int, sent as "157"),
    // strings as numbers, unknown and missing fields.
    let event = status_of(
        Route::SmarthiveStatus,
        &json!({
            "msg_id": 81234,
            "status": "UNDELIV",
            "dlr_code": 5,
            "timestamp": 202311042057_i64,
            "str_length": 157,
            "pg_length": 1,
            "cost": 3.0,
            "desc": "Absent subscriber",
            "network": {"mcc": "655"}
        }),
    );
    assert_status(
        &event,
        StatusEvent {
            provider: Provider::Smarthive,
            message_id: "81234".into(),
            client_message_id: None,
            to: None,
            from: None,
            status: Status::Undelivered,
            raw_status: Some("UNDELIV".into()),
            raw_code: Some("5".into()),
            description: Some("Absent subscriber".into()),
            occurred_at: Some(1_699_131_420_000),
            channel: Some("sms".into()),
            dedup_key: String::new(),
        },
    );
    let event = status_of(Route::SmarthiveStatus, &json!({"msg_id": "m-1"}));
    assert_eq!(
        (
            event.status,
            event.raw_status,
            event.raw_code,
            event.occurred_at,
            event.description
        ),
        (Status::Unknown, None, None, None, None)
    );
    // A malformed field: the rest is read.
    let event = status_of(
        Route::SmarthiveStatus,
        &json!({"msg_id": "m-1", "status": "DELIVRD", "desc": {"text": "x"}, "str_length": [1]}),
    );
    assert_eq!((event.status, event.description), (Status::Delivered, None));
}

#[test]
fn smarthive_without_msg_id_is_unparseable() {
    let example = smsgate::lenient::parse(smarthive_example().as_bytes()).unwrap();
    let message = err_of(
        Route::SmarthiveStatus,
        without(&example, "msg_id").to_string().as_bytes(),
    );
    assert!(message.contains("without `msg_id`"), "{message}");
}
