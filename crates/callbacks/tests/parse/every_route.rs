//! What holds on every route: each is a path of the callback specs,
//! unparseable bodies say why, an event without a message id is
//! unparseable, trailing commas and a UTF-8 BOM are fine, and Clickatell's
//! ISO 8601 timestamps are read wherever a time is.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use smsgate_callbacks::Route;
use smsgate_normalize::{Provider, Status};

use crate::payloads::{T, mo, one_api, one_api_update};
use crate::{body, err_of, only_inbound, only_status, spec, status_of, try_body, with};

#[test]
fn every_route_is_a_path_of_the_callback_specs() {
    let mut documented = BTreeSet::new();
    for api in [
        "clickatell-sms-callbacks",
        "clickatell-one-api-callbacks",
        "smarthive-callbacks",
        "clearline-callbacks",
    ] {
        documented.extend(spec(api)["paths"].as_object().unwrap().keys().cloned());
    }
    let routes: BTreeSet<String> = Route::ALL.iter().map(|r| r.path().to_string()).collect();
    assert_eq!(routes, documented);
    assert_eq!(Route::ClickatellOneApiReply.provider(), Provider::Clickatell);
    assert_eq!(Route::SmarthiveStatus.provider(), Provider::Smarthive);
    assert_eq!(Route::ClearlineStatus.provider(), Provider::Clearline);
}

// ---------------------------------------------------------------------------
// Unparseable bodies, and what is fine
// ---------------------------------------------------------------------------

#[test]
fn unparseable_bodies_say_why_on_every_route() {
    let cases: [(&[u8], &str); 14] = [
        (b"", "empty body"),
        (b"   \r\n\t ", "empty body"),
        (b"not json", "not JSON"),
        (b"{\"messageId\": ", "not JSON"),
        (b"{,}", "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (b"\xEF\xBB\xBF", "not JSON"),
        (
            b"[1,2]",
            "not an object (or a batch of objects): an array that is not of objects",
        ),
        (b"[]", "not an object (or a batch of objects)"),
        (b"\"x\"", "not an object (or a batch of objects): a string"),
        (b"null", "not an object (or a batch of objects): null"),
        (b"42", "not an object (or a batch of objects): a number"),
        (b"true", "not an object (or a batch of objects): a boolean"),
        (b"[{\"messageId\": \"m\"}, [1]]", "an array that is not of objects"),
    ];
    for route in Route::ALL {
        for (body, why) in cases {
            let message = err_of(route, body);
            assert!(
                message.contains(why),
                "{route:?} {:?}: {message:?} does not say {why:?}",
                String::from_utf8_lossy(body)
            );
        }
    }
}

#[test]
fn an_event_without_a_message_id_is_unparseable_on_every_route() {
    let cases: [(Route, Value, &str); 6] = [
        (
            Route::ClickatellSmsStatus,
            json!({"statusCode": 4, "status": "RECEIVED_BY_RECIPIENT"}),
            "messageId",
        ),
        (
            Route::ClickatellSmsReply,
            json!({"messageId": "m-1", "text": "hi"}),
            "replyMessageId",
        ),
        (
            Route::ClickatellOneApiStatus,
            one_api(json!({"messageStatusUpdate": [{"statusCode": 5}]})),
            "messageId",
        ),
        (
            Route::ClickatellOneApiReply,
            one_api(json!({"moText": [{"content": "hi"}]})),
            "messageId",
        ),
        (
            Route::SmarthiveStatus,
            json!({"status": "DELIVRD", "msg_id": null}),
            "msg_id",
        ),
        (
            Route::ClearlineStatus,
            json!({"messageId": "", "deliveryStatus": "Delivered"}),
            "messageId",
        ),
    ];
    for (route, callback, field) in cases {
        let message = err_of(route, callback.to_string().as_bytes());
        assert_eq!(
            message,
            format!("an event without `{field}`: it cannot be matched to a message"),
            "{route:?}"
        );
    }
}

#[test]
fn trailing_commas_and_a_utf8_bom_are_fine() {
    let cases: [(Route, &[u8]); 6] = [
        (
            Route::ClickatellSmsStatus,
            b"\xEF\xBB\xBF{\"messageId\": \"m-1\", \"statusCode\": \"004\",}",
        ),
        (
            Route::ClickatellSmsReply,
            b"\xEF\xBB\xBF  {\"replyMessageId\": \"m-1\", \"text\": \"a, }\",\n}\n",
        ),
        (
            Route::ClickatellOneApiStatus,
            b"\xEF\xBB\xBF{\"event\": {\"messageStatusUpdate\": [{\"messageId\": \"m-1\", \"statusCode\": 5,},],},}",
        ),
        (
            Route::ClickatellOneApiReply,
            b"{\"event\": {\"moText\": [{\"messageId\": \"m-1\", \"content\": \"[x,]\",},],},}",
        ),
        (
            Route::SmarthiveStatus,
            b"\xEF\xBB\xBF{\"msg_id\": \"m-1\", \"status\": \"DELIVRD\",}",
        ),
        (
            Route::ClearlineStatus,
            b"[{\"messageId\": \"m-1\", \"deliveryStatus\": \"Delivered\",},]",
        ),
    ];
    for (route, body) in cases {
        let callback =
            try_body(route, body).unwrap_or_else(|e| panic!("{route:?} {:?}: {e}", String::from_utf8_lossy(body)));
        assert_eq!(callback.status.len() + callback.inbound.len(), 1, "{route:?}");
    }
    // Commas inside strings are text, not trailing commas.
    let reply = only_inbound(
        try_body(
            Route::ClickatellSmsReply,
            b"{\"replyMessageId\": \"m-1\", \"text\": \"a, }\",}",
        )
        .unwrap(),
    );
    assert_eq!(reply.text.as_deref(), Some("a, }"));
    assert_eq!(reply.payload, json!({"replyMessageId": "m-1", "text": "a, }"}));
    let text_reply = only_inbound(
        try_body(
            Route::ClickatellOneApiReply,
            b"{\"event\": {\"moText\": [{\"messageId\": \"m-1\", \"content\": \"[x,]\",},],},}",
        )
        .unwrap(),
    );
    assert_eq!(text_reply.text.as_deref(), Some("[x,]"));
    let status = only_status(
        try_body(
            Route::ClickatellSmsStatus,
            b"\xEF\xBB\xBF{\"messageId\": \"m-1\", \"statusCode\": \"004\",}",
        )
        .unwrap(),
    );
    assert_eq!(
        (status.status, status.raw_code.as_deref()),
        (Status::Delivered, Some("004"))
    );
}

// ---------------------------------------------------------------------------
// ISO 8601 timestamps, wherever Clickatell sends a time
// ---------------------------------------------------------------------------

#[test]
fn clickatell_iso_8601_timestamps_on_every_route() {
    let iso = "2023-11-14T22:13:20.123Z";
    let update = with(&one_api_update(json!(5), json!("DEVICE_ACK")), "timestamp", json!(iso));
    let event = status_of(
        Route::ClickatellOneApiStatus,
        &one_api(json!({"messageStatusUpdate": [update]})),
    );
    assert_eq!(event.occurred_at, Some(T));
    let item = mo("mo-1", json!({"content": "hi", "timestamp": iso}));
    let message = only_inbound(body(Route::ClickatellOneApiReply, &one_api(json!({"moText": [item]}))));
    assert_eq!(message.occurred_at, Some(T));
    let message = only_inbound(body(
        Route::ClickatellSmsReply,
        &json!({"replyMessageId": "mo-1", "timestamp": iso}),
    ));
    assert_eq!(message.occurred_at, Some(T));
}
