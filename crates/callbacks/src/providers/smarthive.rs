//! SmartHive's delivery report: an SMPP-style `stat` with a `YYYYMMDDhhmm` time.

use serde_json::Value;
use smsgate::smarthive::callbacks::types::SmartHiveStatusCallback;
use smsgate_normalize::{Provider, StatusEvent, mapping};

use super::{required_id, typed};
use crate::fields::{dedup_key, raw};
use crate::{Callback, Unparseable, time};

pub(super) fn status(document: &Value, out: &mut Callback) -> Result<(), Unparseable> {
    let report: SmartHiveStatusCallback = typed(document)?;
    let message_id = required_id(report.msg_id, "msg_id")?;
    let (raw_status, raw_code) = (raw(document, "status"), raw(document, "dlr_code"));
    out.status.push(StatusEvent {
        provider: Provider::Smarthive,
        dedup_key: dedup_key(&[
            Some(&message_id),
            raw_status.as_deref(),
            raw_code.as_deref(),
            raw(document, "timestamp").as_deref(),
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
