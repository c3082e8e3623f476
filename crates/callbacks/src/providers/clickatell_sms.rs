//! Clickatell SMS callbacks: status and reply, as GET query or POST JSON.

use serde_json::Value;
use smsgate::clickatell::sms_callbacks::types::{SendReplyMessageRequest, SmsStatusCallback};
use smsgate_normalize::{InboundMessage, InboundType, Provider, StatusEvent, mapping};

use super::{required_id, typed, typed_clickatell};
use crate::fields::{dedup_key, raw};
use crate::{Callback, Unparseable, time};

pub(super) fn status(document: &Value, out: &mut Callback) -> Result<(), Unparseable> {
    let callback: SmsStatusCallback = typed(document)?;
    let message_id = required_id(callback.message_id, "messageId")?;
    let (raw_status, raw_code) = (raw(document, "status"), raw(document, "statusCode"));
    let timestamp = raw(document, "timestamp");
    out.status.push(StatusEvent {
        provider: Provider::Clickatell,
        dedup_key: dedup_key(&[
            Some(&message_id),
            raw_status.as_deref(),
            raw_code.as_deref(),
            timestamp.as_deref(),
        ]),
        message_id,
        client_message_id: callback.client_message_id,
        to: callback.to,
        from: callback.from,
        status: mapping::clickatell_sms(callback.status_code.map(i64::from), callback.status.as_deref()),
        raw_status,
        raw_code,
        description: callback.status_description,
        occurred_at: callback.timestamp.as_deref().and_then(time::millis_or_iso8601),
        channel: Some("sms".into()),
    });
    Ok(())
}

pub(super) fn reply(document: &Value, out: &mut Callback) -> Result<(), Unparseable> {
    let reply: SendReplyMessageRequest = typed_clickatell(document)?;
    out.inbound.push(InboundMessage {
        provider: Provider::Clickatell,
        message_id: required_id(reply.reply_message_id, "replyMessageId")?,
        related_message_id: reply.message_id,
        from: reply.from_number,
        to: reply.to_number,
        channel: Some("sms".into()),
        kind: InboundType::Text,
        text: reply.text,
        occurred_at: reply.timestamp,
        payload: document.clone(),
    });
    Ok(())
}
