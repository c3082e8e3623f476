//! ClearLine's delivery-status callback: two status fields and no time.

use serde_json::Value;
use smsgate::clearline::callbacks::types::DeliveryStatusCallback;
use smsgate_normalize::{Provider, StatusEvent, mapping};

use super::{required_id, typed};
use crate::fields::{dedup_key, raw};
use crate::{Callback, Unparseable};

pub(super) fn status(document: &Value, out: &mut Callback) -> Result<(), Unparseable> {
    let callback: DeliveryStatusCallback = typed(document)?;
    let message_id = required_id(callback.message_id, "messageId")?;
    let (delivery, external) = (raw(document, "deliveryStatus"), raw(document, "externalDeliveryStatus"));
    out.status.push(StatusEvent {
        provider: Provider::Clearline,
        // No provider time: every status field identifies the event.
        dedup_key: dedup_key(&[
            Some(&message_id),
            delivery.as_deref(),
            external.as_deref(),
            raw(document, "reasonText").as_deref(),
        ]),
        message_id,
        client_message_id: None,
        to: None,
        from: None,
        status: mapping::clearline(external.as_deref(), delivery.as_deref()),
        // ClearLine's resolved status is the status word; the gateway's raw
        // status stands where other providers put their code.
        raw_status: delivery,
        raw_code: external,
        description: callback.reason_text,
        occurred_at: None,
        channel: Some("sms".into()),
    });
    Ok(())
}
