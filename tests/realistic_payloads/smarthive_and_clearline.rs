//! SmartHive's reports with numbers and new fields, and a ClearLine status
//! outside the documented list.

use serde_json::json;
use smsgate::clearline::callbacks::types as clearline_callbacks;
use smsgate::smarthive::callbacks::types as smarthive;

use crate::round_trip;

#[test]
fn smarthive_report_with_numbers_and_new_fields() {
    let body = br#"{"msg_id": "jyd823-23n", "status": "UNDELIV", "dlr_code": "err:001", "timestamp": "202311042057",
        "str_length": 157, "pg_length": 1, "cost": 3.0, "desc": "UNDELIVERED", "network": "MTN",}"#;
    let report: smarthive::SmartHiveStatusCallback = smsgate::lenient::from_slice(body).unwrap();
    assert_eq!(report.status.as_deref(), Some("UNDELIV"));
    assert_eq!(report.str_length.as_deref(), Some("157"));
    assert_eq!(report.pg_length.as_deref(), Some("1"));
    // The page gives cost no type: kept as sent.
    assert_eq!(report.cost, Some(json!(3.0)));
    assert_eq!(report.extra.get("network"), Some(&json!("MTN")));
    assert_eq!(report.extra.len(), 1);
}

#[test]
fn clearline_status_outside_the_documented_list() {
    let payload = json!({"messageId": "cl-1", "deliveryStatus": "Expired", "externalDeliveryStatus": "EXPIRED",
                         "reasonText": "Validity period elapsed", "attempt": 3});
    let callback: clearline_callbacks::DeliveryStatusCallback = round_trip(&payload);
    assert_eq!(callback.delivery_status.as_deref(), Some("Expired"));
    assert_eq!(callback.external_delivery_status.as_deref(), Some("EXPIRED"));
    assert_eq!(callback.reason_text.as_deref(), Some("Validity period elapsed"));
    assert_eq!(callback.extra.get("attempt"), Some(&json!(3)));
}
