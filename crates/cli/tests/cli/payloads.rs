//! What the CLI's tests post to `serve`, and what the store then holds:
//! the six callback routes it prints, callbacks from the providers' documents
//! and from their real traffic, and the seeded events in commit order.

/// The six callback routes `serve` prints, one URL each.
pub const ROUTES: [&str; 6] = [
    "/client-callback/sms-status",
    "/client-callback/sms-reply",
    "/client-callback/one-api-status",
    "/client-callback/one-api-reply",
    "/client-callback/smarthive-status",
    "/client-callback/clearline-status",
];

/// Clickatell One API: m1 handed to the supplier (statusCode 4, `sent`).
pub const ONE_API_SENT: &str = r#"{"integrationId": "i-1", "event": {"messageStatusUpdate": [{
    "channel": "sms", "messageId": "m1", "clientMessageId": "order-1",
    "statusCode": 4, "status": "SENT_TO_SUPPLIER", "timestamp": 1700000000000}]}}"#;

/// Clickatell One API: m1 acknowledged by the handset (statusCode 5, `delivered`).
pub const ONE_API_DELIVERED: &str = r#"{"integrationId": "i-1", "event": {"messageStatusUpdate": [{
    "channel": "sms", "messageId": "m1", "clientMessageId": "order-1",
    "statusCode": 5, "status": "DEVICE_ACK", "timestamp": 1700000005000}]}}"#;

/// SmartHive's documented callback example, verbatim (trailing comma included).
pub const SMARTHIVE_EXAMPLE: &str = r#"{
   "msg_id": "jyd823-23n",
   "status": "DELIVRD",
   "dlr_code": "err:000",
   "timestamp": "202311042057",
   "str_length": "157",
   "pg_length": "1",
   "cost": "3.00",
   "desc": "DELIVERED",
}"#;

/// Clickatell One API: a text reply r1 to m1.
pub const ONE_API_REPLY: &str = r#"{"integrationId": "i-1", "event": {"moText": [{
    "channel": "sms", "messageId": "r1", "relatedMessageId": "m1",
    "from": "27821234567", "to": "27820000000", "timestamp": 1700000010000,
    "content": "Thanks!", "charset": "UTF-8"}]}}"#;

/// SmartHive: a report that arrives while `events tail --follow` runs.
pub const SMARTHIVE_LATE: &str = r#"{"msg_id": "late-1", "status": "UNDELIV", "dlr_code": "err:001",
    "timestamp": "202311050101", "desc": "UNDELIVERED"}"#;

/// What the seeded store holds, in commit order: (kind, provider, message id).
pub const SEEDED: [(&str, &str, &str); 4] = [
    ("status", "clickatell", "m1"),
    ("status", "clickatell", "m1"),
    ("status", "smarthive", "jyd823-23n"),
    ("inbound", "clickatell", "r1"),
];
