//! The providers' side: each operation of the four callback specs, called
//! through its generated callback-role client with the callback secret as
//! the spec's `token` query parameter, is acknowledged and stored; read back
//! through `smsgate::api`, the generated client of our own query API.

use smsgate::ApiKey;
use smsgate::clearline::callbacks as clearline;
use smsgate::clickatell::{one_api_callbacks as one_api, sms_callbacks as sms};
use smsgate::smarthive::callbacks as smarthive;
use smsgate_test_support::receiver::TestReceiver;
use smsgate_test_support::secrets::{API_TOKEN, CALLBACK_SECRET};

fn key() -> ApiKey {
    ApiKey::new(CALLBACK_SECRET).expect("a valid key")
}

#[tokio::test]
async fn every_callback_operation_through_its_generated_client() {
    let r = TestReceiver::start().await;
    let base = r.callback_base.as_str();

    // Clickatell SMS: status and reply, each as GET and as POST.
    let client = sms::Client::with_api_key(base, key());
    let ack = client
        .send_get_sms_status_callback()
        .message_id("gen-sms-1")
        .client_message_id("order-1")
        .status_code(3)
        .status("DELIVERED_TO_GATEWAY")
        .timestamp("1700000000000")
        .to("27820000001")
        .send()
        .await
        .expect("GET sms-status");
    assert_eq!(ack.status(), reqwest::StatusCode::OK);
    assert_eq!(ack.into_inner().status, "ok");
    let status = sms::types::SmsStatusCallback::builder()
        .message_id(Some("gen-sms-1".to_string()))
        .status_code(Some(4))
        .status(Some("RECEIVED_BY_RECIPIENT".to_string()))
        .timestamp(Some("1700000005000".to_string()));
    let ack = client
        .send_post_sms_status_callback()
        .body(status)
        .send()
        .await
        .expect("POST sms-status");
    assert_eq!(ack.into_inner().status, "ok");
    client
        .send_get_sms_reply_callback()
        .reply_message_id("gen-mo-1")
        .message_id("gen-sms-1")
        .from_number("27820000001")
        .to_number("27820000000")
        .text("Thanks!")
        .timestamp(1_700_000_010_000_i64)
        .network(1)
        .send()
        .await
        .expect("GET sms-reply");
    let reply = sms::types::SendReplyMessageRequest::builder()
        .reply_message_id(Some("gen-mo-2".to_string()))
        .message_id(Some("gen-sms-1".to_string()))
        .text(Some("One more thing".to_string()))
        .timestamp(Some(1_700_000_011_000));
    client
        .send_post_sms_reply_callback()
        .body(reply)
        .send()
        .await
        .expect("POST sms-reply");

    // Clickatell One API: status and reply.
    let client = one_api::Client::with_api_key(base, key());
    let update = one_api::types::MessageStatus::try_from(
        one_api::types::MessageStatus::builder()
            .message_id(Some("gen-oa-1".to_string()))
            .channel(Some("whatsapp".to_string()))
            .status_code(Some(6))
            .status(Some("READ".to_string()))
            .timestamp(Some(1_700_000_020_000)),
    )
    .unwrap();
    let events = one_api::types::StatusEvents::try_from(
        one_api::types::StatusEvents::builder().message_status_update(vec![update]),
    )
    .unwrap();
    let status = one_api::types::OmniStatusCallbackRequest::builder()
        .integration_id(Some("int-1".to_string()))
        .event(Some(events));
    client
        .send_post_omni_status_callback()
        .body(status)
        .send()
        .await
        .expect("one-api-status");
    let reply: one_api::types::OmniReplyCallbackRequest = serde_json::from_value(serde_json::json!({
        "integrationId": "int-1",
        "event": {"moMedia": [{
            "channel": "whatsapp", "messageId": "gen-mo-3", "relatedMessageId": "gen-oa-1",
            "timestamp": 1_700_000_021_000_i64, "caption": "A photo",
            "files": [{"contentType": "image/png", "downloadUrl": "https://example.invalid/f", "byteSize": 10}],
        }]},
    }))
    .unwrap();
    client
        .send_post_omni_reply_callback()
        .body(reply)
        .send()
        .await
        .expect("one-api-reply");

    // SmartHive and ClearLine.
    let report = smarthive::types::SmartHiveStatusCallback::builder()
        .msg_id(Some("gen-sh-1".to_string()))
        .status(Some("UNDELIV".to_string()))
        .dlr_code(Some("err:001".to_string()))
        .timestamp(Some("202311042057".to_string()))
        .str_length(Some("157".to_string()));
    smarthive::Client::with_api_key(base, key())
        .send_smart_hive_status_callback()
        .body(report)
        .send()
        .await
        .expect("smarthive-status");
    let delivery = clearline::types::DeliveryStatusCallback::builder()
        .message_id(Some("gen-cl-1".to_string()))
        .delivery_status(Some("Delivered".to_string()))
        .external_delivery_status(Some("Delivered".to_string()))
        .reason_text(Some("OK".to_string()));
    clearline::Client::with_api_key(base, key())
        .send_clear_line_status_callback()
        .body(delivery)
        .send()
        .await
        .expect("clearline-status");

    // Everything is stored: read it back with the query API's own client.
    let api = smsgate::api::Client::with_api_key(&r.api_base, ApiKey::new(API_TOKEN).unwrap());
    let page = api
        .list_events()
        .limit(std::num::NonZeroU32::new(100).unwrap())
        .send()
        .await
        .expect("list events")
        .into_inner();
    assert_eq!(page.events.len(), 8, "{page:#?}");
    let inbound = api.list_inbound().send().await.expect("list inbound").into_inner();
    let texts: Vec<Option<&str>> = inbound.messages.iter().map(|m| m.text.as_deref()).collect();
    assert_eq!(texts, [Some("Thanks!"), Some("One more thing"), Some("A photo")]);
    let cases = [
        ("clickatell", "gen-sms-1", "delivered", Some(1_700_000_005_000)),
        ("clickatell", "gen-oa-1", "read", Some(1_700_000_020_000)),
        ("smarthive", "gen-sh-1", "undelivered", Some(1_699_131_420_000)),
        ("clearline", "gen-cl-1", "delivered", None),
    ];
    for (provider, id, status, status_at) in cases {
        let view = api
            .get_message()
            .provider(provider)
            .message_id(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{provider}/{id}: {e}"))
            .into_inner();
        assert_eq!(serde_json::to_value(view.status).unwrap(), status, "{provider}/{id}");
        assert_eq!(view.status_at, status_at, "{provider}/{id}");
    }
    // The clients sent the secret as the spec's `token` query parameter.
    let queries: Vec<Option<String>> = r.raw_requests().into_iter().map(|row| row.query).collect();
    assert_eq!(queries.len(), 8);
    assert!(
        queries
            .iter()
            .all(|q| !q.as_deref().unwrap_or_default().contains(CALLBACK_SECRET))
    );
}

#[tokio::test]
async fn a_generated_client_with_a_wrong_key_gets_401() {
    let r = TestReceiver::start().await;
    let client = clearline::Client::with_api_key(&r.callback_base, ApiKey::new("not-the-secret").unwrap());
    let delivery = clearline::types::DeliveryStatusCallback::builder().message_id(Some("x".to_string()));
    let error = client
        .send_clear_line_status_callback()
        .body(delivery)
        .send()
        .await
        .expect_err("401");
    assert_eq!(error.status(), Some(reqwest::StatusCode::UNAUTHORIZED), "{error}");
    assert!(
        !error.to_string().contains("not-the-secret"),
        "the key is redacted: {error}"
    );
    r.assert_nothing_stored().await;
}
