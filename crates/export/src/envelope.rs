//! What goes on the wire for an event, per kind of export: a Standard
//! Webhooks body `{type, timestamp, data}`, or a CloudEvents 1.0 JSON event
//! on the subject `{subject}.{kind}.{provider}`. `data` is the event as
//! `/v1/events` gives it, so a consumer of an export reads what a polling
//! consumer reads.

use serde_json::json;
use smsgate_normalize::views::FeedEvent;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The webhook body of `event`.
pub fn webhook_body(event: &FeedEvent) -> String {
    json!({
        "type": format!("message.{}", event.kind()),
        "timestamp": rfc3339(event.received_at()),
        "data": event,
    })
    .to_string()
}

/// The CloudEvents 1.0 JSON event (structured mode) of `event`.
pub fn cloud_event(event: &FeedEvent) -> String {
    json!({
        "specversion": "1.0",
        "id": event.id(),
        "source": "smsgate",
        "type": format!("io.smsgate.message.{}", event.kind()),
        "subject": event.message_id(),
        "time": rfc3339(event.received_at()),
        "datacontenttype": "application/json",
        "data": event,
    })
    .to_string()
}

/// The NATS subject of `event` under `prefix`.
pub fn nats_subject(prefix: &str, event: &FeedEvent) -> String {
    format!("{prefix}.{}.{}", event.kind(), event.provider().as_str())
}

/// `millis` since the epoch in RFC 3339, UTC (the epoch for a time out of range).
fn rfc3339(millis: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(&Rfc3339)
        .expect("a UTC time formats as RFC 3339")
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use smsgate_normalize::views::{FeedEvent, StatusFeedEvent};
    use smsgate_normalize::{Provider, Status};

    use super::*;

    fn event() -> FeedEvent {
        FeedEvent::Status(StatusFeedEvent {
            cursor: "42".into(),
            provider: Provider::Smarthive,
            message_id: "m-1".into(),
            client_message_id: None,
            status: Status::Delivered,
            raw_status: Some("DELIVRD".into()),
            raw_code: None,
            description: None,
            occurred_at: None,
            received_at: 1_700_000_000_123,
            channel: None,
        })
    }

    #[test]
    fn a_webhook_body_carries_type_time_and_the_feed_event() {
        let body: Value = serde_json::from_str(&webhook_body(&event())).unwrap();
        assert_eq!(body["type"], "message.status");
        assert_eq!(body["timestamp"], "2023-11-14T22:13:20.123Z");
        assert_eq!(body["data"], serde_json::to_value(event()).unwrap());
        assert_eq!(body["data"]["kind"], "status");
    }

    #[test]
    fn a_cloud_event_has_the_required_attributes() {
        let body: Value = serde_json::from_str(&cloud_event(&event())).unwrap();
        assert_eq!(body["specversion"], "1.0");
        assert_eq!(body["id"], "evt_42");
        assert_eq!(body["source"], "smsgate");
        assert_eq!(body["type"], "io.smsgate.message.status");
        assert_eq!(body["subject"], "m-1");
        assert_eq!(body["time"], "2023-11-14T22:13:20.123Z");
        assert_eq!(body["datacontenttype"], "application/json");
        assert_eq!(body["data"]["cursor"], "42");
        assert_eq!(
            nats_subject("smsgate.events", &event()),
            "smsgate.events.status.smarthive"
        );
    }
}
