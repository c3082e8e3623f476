//! ClearLine's delivery-status callback: two status fields and no time.

use serde_json::Value;
use smsgate::clearline::callbacks::types::DeliveryStatusCallback;
use smsgate_normalize::{Provider, StatusEvent, mapping};

use super::{required_id, typed};
use crate::fields::{dedup_key, raw};
use crate::{Callback, Unparseable};

pub(super) fn status(document: &Value, out: &mut Callback) -> Result<(), Unparseable> {
    let callback: DeliveryStatusCallback = typed(document)?;
    let fields = Fields {
        delivery: raw(document, "deliveryStatus"),
        external: raw(document, "externalDeliveryStatus"),
        reason: raw(document, "reasonText"),
    };
    push(callback, fields, out)
}

/// The body read straight into its type (see [`super::direct`]): each
/// status field is then a string or absent, and is its own raw value.
pub(super) fn status_direct(body: &[u8], out: &mut Callback) -> Option<Result<(), Unparseable>> {
    let callback: DeliveryStatusCallback = serde_json::from_slice(body).ok()?;
    let fields = Fields {
        delivery: callback.delivery_status.clone(),
        external: callback.external_delivery_status.clone(),
        reason: callback.reason_text.clone(),
    };
    Some(push(callback, fields, out))
}

/// The status fields as the provider sent them.
struct Fields {
    delivery: Option<String>,
    external: Option<String>,
    reason: Option<String>,
}

fn push(callback: DeliveryStatusCallback, fields: Fields, out: &mut Callback) -> Result<(), Unparseable> {
    let message_id = required_id(callback.message_id, "messageId")?;
    let Fields {
        delivery,
        external,
        reason,
    } = fields;
    out.status.push(StatusEvent {
        provider: Provider::Clearline,
        // No provider time: every status field identifies the event.
        dedup_key: dedup_key(&[
            Some(&message_id),
            delivery.as_deref(),
            external.as_deref(),
            reason.as_deref(),
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
