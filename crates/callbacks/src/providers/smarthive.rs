//! SmartHive's delivery report: an SMPP-style `stat` with a `YYYYMMDDhhmm` time.

use serde_json::Value;
use smsgate::smarthive::callbacks::types::SmartHiveStatusCallback;
use smsgate_normalize::{Provider, StatusEvent, mapping};

use super::{required_id, typed};
use crate::fields::{dedup_key, raw};
use crate::{Callback, Unparseable, time};

pub(super) fn status(document: &Value, out: &mut Callback) -> Result<(), Unparseable> {
    let report: SmartHiveStatusCallback = typed(document)?;
    let fields = Fields {
        status: raw(document, "status"),
        code: raw(document, "dlr_code"),
        timestamp: raw(document, "timestamp"),
    };
    push(report, fields, out)
}

/// The body read straight into its type (see [`super::direct`]): each
/// field the event keeps raw is then a string or absent, and is its own
/// raw value.
pub(super) fn status_direct(body: &[u8], out: &mut Callback) -> Option<Result<(), Unparseable>> {
    let report: SmartHiveStatusCallback = serde_json::from_slice(body).ok()?;
    let fields = Fields {
        status: report.status.clone(),
        code: report.dlr_code.clone(),
        timestamp: report.timestamp.clone(),
    };
    Some(push(report, fields, out))
}

/// The fields the event keeps as the provider sent them.
struct Fields {
    status: Option<String>,
    code: Option<String>,
    timestamp: Option<String>,
}

fn push(report: SmartHiveStatusCallback, fields: Fields, out: &mut Callback) -> Result<(), Unparseable> {
    let message_id = required_id(report.msg_id, "msg_id")?;
    let Fields {
        status: raw_status,
        code: raw_code,
        timestamp,
    } = fields;
    out.status.push(StatusEvent {
        provider: Provider::Smarthive,
        dedup_key: dedup_key(&[
            Some(&message_id),
            raw_status.as_deref(),
            raw_code.as_deref(),
            timestamp.as_deref(),
        ]),
        message_id,
        client_message_id: None,
        to: None,
        from: None,
        status: mapping::smpp_stat(report.status.as_deref()),
        raw_status,
        raw_code,
        description: report.desc,
        occurred_at: report.timestamp.as_deref().and_then(time::smarthive),
        channel: Some("sms".into()),
    });
    Ok(())
}
