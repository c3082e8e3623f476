//! Dedup keys: a provider's retry has the same key, any change of id,
//! status, code or time changes it, and separator characters cannot make
//! two different callbacks collide.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use smsgate_callbacks::Route;

use crate::payloads::{T, one_api, one_api_update};
use crate::{body, key_of, only_status, query, status_of, try_body, with, without};

/// A status callback of a status route, and changes of the fields its key is
/// made of (a field and its new value; null removes the field).
type Keyed = (Route, Value, Vec<(&'static str, Value)>);

/// A status callback of each status route (the One API's events are changed
/// within the event, below).
fn keyed_callbacks() -> Vec<Keyed> {
    vec![
        (
            Route::ClickatellSmsStatus,
            json!({"messageId": "m-1", "statusCode": 4, "status": "RECEIVED_BY_RECIPIENT",
                   "timestamp": "1700000000123", "statusDescription": "ok"}),
            vec![
                ("messageId", json!("m-2")),
                ("status", json!("received_by_recipient")),
                ("statusCode", json!(3)),
                ("statusCode", json!("004")),
                ("timestamp", json!("1700000000124")),
                ("timestamp", json!("2023-11-14T22:13:20.123Z")),
            ],
        ),
        (
            Route::ClickatellOneApiStatus,
            one_api(json!({"messageStatusUpdate": [one_api_update(json!(5), json!("DEVICE_ACK"))]})),
            vec![],
        ),
        (
            Route::SmarthiveStatus,
            json!({"msg_id": "m-1", "status": "DELIVRD", "dlr_code": "err:000", "timestamp": "202311042057",
                   "desc": "DELIVERED", "cost": "3.00"}),
            vec![
                ("msg_id", json!("m-2")),
                ("status", json!("UNDELIV")),
                ("status", json!("delivrd")),
                ("dlr_code", json!("err:001")),
                ("timestamp", json!("202311042058")),
            ],
        ),
        (
            Route::ClearlineStatus,
            json!({"messageId": "m-1", "deliveryStatus": "DeliveredFailed", "externalDeliveryStatus": "Failed",
                   "reasonText": "Absent subscriber"}),
            vec![
                ("messageId", json!("m-2")),
                ("deliveryStatus", json!("Delivered")),
                ("externalDeliveryStatus", json!("Expired")),
                ("externalDeliveryStatus", Value::Null),
                ("reasonText", json!("Unknown subscriber")),
            ],
        ),
    ]
}

#[test]
fn a_provider_retry_has_the_same_dedup_key() {
    for (route, callback, _) in keyed_callbacks() {
        let first = body(route, &callback);
        // The same bytes again, and the same payload formatted otherwise.
        assert_eq!(body(route, &callback), first, "{route:?}");
        let pretty = serde_json::to_string_pretty(&callback).unwrap();
        let again = try_body(route, pretty.as_bytes()).unwrap();
        assert_eq!(again.status, first.status, "{route:?}");
        // A field that is not a status field changes nothing.
        let mut extra = callback.clone();
        extra
            .as_object_mut()
            .unwrap()
            .insert("deliveryAttempt".into(), json!(2));
        assert_eq!(body(route, &extra).status, first.status, "{route:?}");
    }
    // GET and POST of the same SMS status: the same key.
    let get = only_status(query(
        Route::ClickatellSmsStatus,
        "messageId=m-1&statusCode=4&status=DELIVERED&timestamp=1700000000123",
    ));
    let post = status_of(
        Route::ClickatellSmsStatus,
        &json!({"messageId": "m-1", "statusCode": 4, "status": "DELIVERED", "timestamp": 1700000000123_i64}),
    );
    assert_eq!(get, post);
    // A retry of an inbound message: its id is its key.
    let reply = json!({"replyMessageId": "mo-1", "messageId": "m-1", "text": "hi"});
    assert_eq!(
        body(Route::ClickatellSmsReply, &reply),
        body(Route::ClickatellSmsReply, &reply)
    );
}

#[test]
fn any_change_of_id_status_code_or_time_changes_the_dedup_key() {
    for (route, callback, changes) in keyed_callbacks() {
        let original = key_of(route, &callback);
        for (field, value) in changes {
            let changed = if value.is_null() {
                without(&callback, field)
            } else {
                with(&callback, field, value.clone())
            };
            assert_ne!(key_of(route, &changed), original, "{route:?}: {field} -> {value}");
        }
        // Each key field removed (an absent field is not an empty one).
        for field in ["status", "statusCode", "timestamp", "dlr_code", "deliveryStatus"] {
            if callback.get(field).is_some() {
                assert_ne!(
                    key_of(route, &without(&callback, field)),
                    original,
                    "{route:?}: no {field}"
                );
                assert_ne!(
                    key_of(route, &with(&callback, field, json!(""))),
                    original,
                    "{route:?}: empty {field}"
                );
            }
        }
    }
    // One API: within the event.
    let base = one_api_update(json!(5), json!("DEVICE_ACK"));
    let key = |update: Value| {
        key_of(
            Route::ClickatellOneApiStatus,
            &one_api(json!({"messageStatusUpdate": [update]})),
        )
    };
    let original = key(base.clone());
    for (field, value) in [
        ("messageId", json!("other")),
        ("status", json!("READ")),
        ("statusCode", json!(6)),
        ("timestamp", json!(T + 1)),
    ] {
        assert_ne!(key(with(&base, field, value.clone())), original, "{field} -> {value}");
    }
    assert_eq!(key(with(&base, "clientMessageId", json!("x"))), original);
}

#[test]
fn clearline_keys_on_every_status_field() {
    // No timestamp: a later callback with other status fields is another event,
    // the same status fields again is a retry.
    let base = json!({"messageId": "m-1", "deliveryStatus": "DeliveredFailed", "externalDeliveryStatus": "Failed",
                      "reasonText": "Absent subscriber"});
    let original = key_of(Route::ClearlineStatus, &base);
    for field in ["deliveryStatus", "externalDeliveryStatus", "reasonText"] {
        assert_ne!(
            key_of(Route::ClearlineStatus, &with(&base, field, json!("Other"))),
            original,
            "{field}"
        );
        assert_ne!(
            key_of(Route::ClearlineStatus, &without(&base, field)),
            original,
            "no {field}"
        );
    }
    // The two status fields swapped are not the same event.
    let swapped = json!({"messageId": "m-1", "deliveryStatus": "Failed", "externalDeliveryStatus": "DeliveredFailed",
                         "reasonText": "Absent subscriber"});
    assert_ne!(key_of(Route::ClearlineStatus, &swapped), original);
    assert_eq!(
        key_of(Route::ClearlineStatus, &with(&base, "unrelated", json!(1))),
        original
    );
}

/// Message ids and status values as providers send them (no control characters).
pub fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9:_./+ -]{0,20}"
}

fn value() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        proptest::sample::select(vec![
            "DELIVRD",
            "UNDELIV",
            "DEVICE_ACK",
            "READ",
            "4",
            "004",
            "Delivered",
            ""
        ])
        .prop_map(String::from),
        "[A-Za-z0-9:_ -]{0,12}",
    ])
}

/// The status fields of one event of `route` (id, then the key fields).
fn status_document(route: Route, id: &str, fields: &[Option<String>; 3]) -> Value {
    let names: [&str; 4] = match route {
        Route::ClickatellSmsStatus => ["messageId", "status", "statusCode", "timestamp"],
        Route::ClickatellOneApiStatus => ["messageId", "status", "statusCode", "timestamp"],
        Route::SmarthiveStatus => ["msg_id", "status", "dlr_code", "timestamp"],
        Route::ClearlineStatus => ["messageId", "deliveryStatus", "externalDeliveryStatus", "reasonText"],
        _ => unreachable!(),
    };
    let mut object = Map::new();
    object.insert(names[0].into(), json!(id));
    for (name, field) in names[1..].iter().zip(fields) {
        if let Some(field) = field {
            object.insert((*name).into(), json!(field));
        }
    }
    match route {
        Route::ClickatellOneApiStatus => one_api(json!({"messageStatusUpdate": [object]})),
        _ => Value::Object(object),
    }
}

const STATUS_ROUTES: [Route; 4] = [
    Route::ClickatellSmsStatus,
    Route::ClickatellOneApiStatus,
    Route::SmarthiveStatus,
    Route::ClearlineStatus,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Two events have the same key exactly when they have the same id and
    /// key fields.
    #[test]
    fn dedup_keys_of_different_events_never_collide(
        route in proptest::sample::select(STATUS_ROUTES.to_vec()),
        a_id in id(), a in [value(), value(), value()],
        b_id in id(), b in [value(), value(), value()],
        same_id in any::<bool>(),
    ) {
        let b_id = if same_id { a_id.clone() } else { b_id };
        let ka = key_of(route, &status_document(route, &a_id, &a));
        let kb = key_of(route, &status_document(route, &b_id, &b));
        if (a_id.as_str(), &a) == (b_id.as_str(), &b) {
            prop_assert_eq!(ka, kb);
        } else {
            prop_assert_ne!(ka, kb, "{:?} {:?} / {:?} {:?}", a_id, a, b_id, b);
        }
    }
}

#[test]
fn dedup_keys_do_not_collide_on_separator_characters() {
    let a = json!({"messageId": "m\u{1f}DELIVRD", "status": "x"});
    let b = json!({"messageId": "m", "status": "DELIVRD\u{1f}x"});
    assert_ne!(
        key_of(Route::ClickatellSmsStatus, &a),
        key_of(Route::ClickatellSmsStatus, &b)
    );
    let absent = json!({"msg_id": "m", "status": "DELIVRD"});
    let nul = json!({"msg_id": "m", "status": "DELIVRD", "dlr_code": "\u{0}"});
    assert_ne!(
        key_of(Route::SmarthiveStatus, &absent),
        key_of(Route::SmarthiveStatus, &nul)
    );
}
