//! Each provider's status words and codes, mapped to [`Status`].
//!
//! By code first, then by name (case-insensitively); anything unmapped is
//! [`Status::Unknown`], with the raw values kept on the event by the caller.

use crate::Status;

/// Clickatell One API `statusCode` / `status`; the table is also in
/// docs/architecture.md, "Statuses and precedence". Whole ranges of codes
/// (25-29, 60-85, 130 and above) are refusals, so they map to `rejected`.
pub fn clickatell_one_api(code: Option<i64>, name: Option<&str>) -> Status {
    let by_code = code.and_then(|code| {
        Some(match code {
            1 => Status::Unknown,
            2 | 3 => Status::Accepted,
            4 => Status::Sent,
            5 => Status::Delivered,
            6 => Status::Read,
            20 => Status::Expired,
            21 | 22 => Status::Cancelled,
            23 | 100 => Status::Undelivered,
            25..=29 | 60..=85 | 130.. => Status::Rejected,
            _ => return None,
        })
    });
    by_code
        .or_else(|| name.and_then(one_api_name))
        .unwrap_or(Status::Unknown)
}

fn one_api_name(name: &str) -> Option<Status> {
    Some(match name.trim().to_ascii_uppercase().as_str() {
        "QUEUED" | "SCHEDULED" => Status::Accepted,
        "SENT_TO_SUPPLIER" => Status::Sent,
        "DEVICE_ACK" => Status::Delivered,
        "READ" => Status::Read,
        "EXPIRED" => Status::Expired,
        "DELIVERY_FAILURE" | "ROUTING_ERROR" => Status::Undelivered,
        _ => return vocabulary_word(name),
    })
}

/// Clickatell SMS (platform) `statusCode` / `status`. Code 3,
/// `DELIVERED_TO_GATEWAY`, is `sent`: the gateway, not the handset, has it.
pub fn clickatell_sms(code: Option<i64>, name: Option<&str>) -> Status {
    let by_code = code.and_then(|code| {
        Some(match code {
            1 => Status::Unknown,
            2 => Status::Buffered,
            3 => Status::Sent,
            4 => Status::Delivered,
            5 | 12 | 14 => Status::Rejected,
            6 | 13 => Status::Cancelled,
            7 | 9 => Status::Undelivered,
            8 | 11 => Status::Accepted,
            10 => Status::Expired,
            _ => return None,
        })
    });
    by_code.or_else(|| name.and_then(sms_name)).unwrap_or(Status::Unknown)
}

fn sms_name(name: &str) -> Option<Status> {
    Some(match name.trim().to_ascii_uppercase().as_str() {
        "MESSAGE_QUEUED" | "QUEUED" => Status::Buffered,
        "DELIVERED_TO_GATEWAY" => Status::Sent,
        "RECEIVED_BY_RECIPIENT" => Status::Delivered,
        "ERROR_DELIVERING" | "ERROR_DELIVERING_MESSAGE" | "ROUTING_ERROR" => Status::Undelivered,
        "ERROR_WITH_MESSAGE" | "OUT_OF_CREDIT" | "MAX_MT_LIMIT_EXCEEDED" => Status::Rejected,
        "USER_CANCELLED" | "CANCELLED_BY_USER" | "CLICKATELL_CANCELLED" => Status::Cancelled,
        "RECEIVED_BY_GATEWAY" | "SCHEDULED" | "DELAYED" => Status::Accepted,
        "MESSAGE_EXPIRED" => Status::Expired,
        _ => return vocabulary_word(name),
    })
}

/// SMPP delivery-receipt `stat` (SmartHive's `status`).
pub fn smpp_stat(stat: Option<&str>) -> Status {
    let Some(stat) = stat else { return Status::Unknown };
    match stat.trim().to_ascii_uppercase().as_str() {
        "DELIVRD" | "DELIVERED" => Status::Delivered,
        "UNDELIV" | "UNDELIVERABLE" => Status::Undelivered,
        "EXPIRED" => Status::Expired,
        "REJECTD" | "REJECTED" => Status::Rejected,
        "DELETED" => Status::Cancelled,
        "ENROUTE" | "ACCEPTD" | "ACCEPTED" => Status::Sent,
        "UNKNOWN" => Status::Unknown,
        _ => vocabulary_word(stat).unwrap_or(Status::Unknown),
    }
}

/// ClearLine: the gateway's `externalDeliveryStatus` first, then ClearLine's
/// own `deliveryStatus`.
pub fn clearline(external: Option<&str>, delivery: Option<&str>) -> Status {
    let external = external.and_then(|word| {
        Some(match word.trim().to_ascii_lowercase().as_str() {
            "delivered" => Status::Delivered,
            "failed" | "undelivered" => Status::Undelivered,
            "expired" => Status::Expired,
            "rejected" => Status::Rejected,
            _ => return None,
        })
    });
    let delivery = || {
        delivery.and_then(|word| {
            Some(match word.trim().to_ascii_lowercase().as_str() {
                "delivered" => Status::Delivered,
                "deliveredfailed" | "failed" => Status::Undelivered,
                _ => return None,
            })
        })
    };
    external.or_else(delivery).unwrap_or(Status::Unknown)
}

/// A status word that is smsgate's own vocabulary (`delivered`, `READ`...).
pub fn vocabulary_word(word: &str) -> Option<Status> {
    Status::parse(&word.trim().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_api_codes_then_names() {
        let cases = [
            (Some(2), None, Status::Accepted),
            (Some(3), None, Status::Accepted),
            (Some(4), Some("SENT_TO_SUPPLIER"), Status::Sent),
            (Some(5), None, Status::Delivered),
            (Some(6), None, Status::Read),
            (Some(20), None, Status::Expired),
            (Some(21), None, Status::Cancelled),
            (Some(22), None, Status::Cancelled),
            (Some(23), None, Status::Undelivered),
            (Some(100), None, Status::Undelivered),
            (Some(25), None, Status::Rejected),
            (Some(29), None, Status::Rejected),
            (Some(60), None, Status::Rejected),
            (Some(85), None, Status::Rejected),
            (Some(130), None, Status::Rejected),
            (Some(1), Some("DEVICE_ACK"), Status::Unknown),
            (Some(24), Some("device_ack"), Status::Delivered),
            (None, Some("Read"), Status::Read),
            (Some(999), None, Status::Rejected),
            (Some(50), Some("SOMETHING_NEW"), Status::Unknown),
            (None, None, Status::Unknown),
        ];
        for (code, name, want) in cases {
            assert_eq!(clickatell_one_api(code, name), want, "{code:?} {name:?}");
        }
    }

    #[test]
    fn sms_platform_codes_then_names() {
        let cases = [
            (Some(2), Status::Buffered),
            (Some(3), Status::Sent),
            (Some(4), Status::Delivered),
            (Some(5), Status::Rejected),
            (Some(6), Status::Cancelled),
            (Some(7), Status::Undelivered),
            (Some(8), Status::Accepted),
            (Some(9), Status::Undelivered),
            (Some(10), Status::Expired),
            (Some(11), Status::Accepted),
            (Some(12), Status::Rejected),
            (Some(14), Status::Rejected),
        ];
        for (code, want) in cases {
            assert_eq!(clickatell_sms(code, None), want, "{code:?}");
        }
        assert_eq!(clickatell_sms(None, Some("received_by_recipient")), Status::Delivered);
        assert_eq!(clickatell_sms(Some(77), Some("DELIVERED_TO_GATEWAY")), Status::Sent);
    }

    #[test]
    fn smpp_and_clearline_words() {
        let smpp = [
            ("DELIVRD", Status::Delivered),
            ("undeliv", Status::Undelivered),
            ("EXPIRED", Status::Expired),
            ("REJECTD", Status::Rejected),
            ("DELETED", Status::Cancelled),
            ("ENROUTE", Status::Sent),
            ("ACCEPTD", Status::Sent),
            ("UNKNOWN", Status::Unknown),
            ("NEWSTAT", Status::Unknown),
        ];
        for (word, want) in smpp {
            assert_eq!(smpp_stat(Some(word)), want, "{word}");
        }
        assert_eq!(clearline(Some("Failed"), Some("Delivered")), Status::Undelivered);
        assert_eq!(clearline(Some("Expired"), None), Status::Expired);
        assert_eq!(clearline(Some("Rejected"), Some("DeliveredFailed")), Status::Rejected);
        assert_eq!(clearline(Some("Pending"), Some("DeliveredFailed")), Status::Undelivered);
        assert_eq!(clearline(None, Some("Delivered")), Status::Delivered);
        assert_eq!(clearline(Some("string"), Some("string")), Status::Unknown);
    }
}
