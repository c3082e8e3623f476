//! Clickatell One API callbacks: `{integrationId, integrationName, event}`
//! where `event` holds arrays of events keyed by event type. Clickatell adds
//! event types over time; the ones our spec does not know are kept raw and
//! reported as ignored (status route) or stored as `unknown` inbound
//! messages (reply route), never rejected.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;
use smsgate::clickatell::one_api_callbacks::types::{
    ButtonResponseReply, ContactsReply, FallbackStatus, ListPickerResponseReply, LocationReply, MediaReply,
    MessageStatus, SuggestedResponseReply, TextReply,
};
use smsgate_normalize::{InboundMessage, InboundType, Provider, StatusEvent, mapping};

use super::{required_id, typed_clickatell};
use crate::fields::{dedup_key, raw};
use crate::{Callback, Unparseable};

/// The events of a callback, by event type: `event` must be an object whose
/// values are arrays of events (a single event object is taken as one).
fn events(document: &Value) -> Result<Vec<(&str, Vec<&Value>)>, Unparseable> {
    let event = match document.get("event") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(event)) => event,
        Some(_) => return Err(Unparseable("`event` is not an object of event arrays".into())),
    };
    Ok(event
        .iter()
        .map(|(kind, items)| {
            let items = match items {
                Value::Array(items) => items.iter().collect(),
                Value::Null => Vec::new(),
                single => vec![single],
            };
            (kind.as_str(), items)
        })
        .collect())
}

pub(super) fn status(document: &Value, out: &mut Callback) -> Result<(), Unparseable> {
    for (kind, items) in events(document)? {
        for item in items {
            match kind {
                "messageStatusUpdate" => {
                    let update: MessageStatus = typed_clickatell(item)?;
                    let status =
                        mapping::clickatell_one_api(update.status_code.map(i64::from), update.status.as_deref());
                    push_status(
                        out,
                        item,
                        status,
                        update.message_id,
                        update.client_message_id,
                        update.timestamp,
                        update.channel,
                        None,
                    )?;
                }
                "messageFallback" => {
                    // A fallback is a status event of its message: raw status
                    // kept, `unknown` unless the status names a known one.
                    let fallback: FallbackStatus = typed_clickatell(item)?;
                    let status = mapping::clickatell_one_api(None, fallback.status.as_deref());
                    let description = fallback.status_description.clone();
                    push_status(
                        out,
                        item,
                        status,
                        fallback.message_id,
                        fallback.client_message_id,
                        fallback.timestamp,
                        fallback.channel,
                        description,
                    )?;
                }
                // Typing indicators and event types added after our spec.
                other => out.ignored.push(other.to_string()),
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn push_status(
    out: &mut Callback,
    item: &Value,
    status: smsgate_normalize::Status,
    message_id: Option<String>,
    client_message_id: Option<String>,
    occurred_at: Option<i64>,
    channel: Option<String>,
    description: Option<String>,
) -> Result<(), Unparseable> {
    let message_id = required_id(message_id, "messageId")?;
    let (raw_status, raw_code) = (raw(item, "status"), raw(item, "statusCode"));
    out.status.push(StatusEvent {
        provider: Provider::Clickatell,
        dedup_key: dedup_key(&[
            Some(&message_id),
            raw_status.as_deref(),
            raw_code.as_deref(),
            raw(item, "timestamp").as_deref(),
        ]),
        message_id,
        client_message_id,
        to: None,
        from: None,
        status,
        raw_status,
        raw_code,
        description,
        occurred_at,
        channel,
    });
    Ok(())
}

pub(super) fn reply(document: &Value, out: &mut Callback) -> Result<(), Unparseable> {
    for (kind, items) in events(document)? {
        for item in items {
            let message = match kind {
                "moText" => inbound::<TextReply>(item, |r| r.content.clone())?,
                "moMedia" => inbound::<MediaReply>(item, |r| r.caption.clone())?,
                "moLocation" => inbound::<LocationReply>(item, |r| r.location_name.clone())?,
                "moContacts" => inbound::<ContactsReply>(item, |_| None)?,
                "moSuggestedResponse" => inbound::<SuggestedResponseReply>(item, |r| r.content.clone())?,
                "moListPickerResponse" => inbound::<ListPickerResponseReply>(item, |r| {
                    r.selected_items.iter().find_map(|selected| selected.content.clone())
                })?,
                "moButtonResponse" => {
                    inbound::<ButtonResponseReply>(item, |r| r.selected_item.as_ref().and_then(|s| s.content.clone()))?
                }
                other => {
                    // A type newer than our spec: counted, and stored as an
                    // `unknown` inbound message when it has an id; never a
                    // reason to reject the callback.
                    out.ignored.push(other.to_string());
                    match unknown_inbound(item) {
                        Some(message) => message,
                        None => continue,
                    }
                }
            };
            out.inbound.push(message);
        }
    }
    Ok(())
}

/// The fields every inbound event type shares, read from its generated type.
trait Reply: DeserializeOwned + JsonSchema {
    const KIND: InboundType;
    fn common(self) -> Common;
}

struct Common {
    message_id: Option<String>,
    related_message_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    channel: Option<String>,
    timestamp: Option<i64>,
}

macro_rules! reply_types {
    ($($ty:ty => $kind:expr),* $(,)?) => {$(
        impl Reply for $ty {
            const KIND: InboundType = $kind;
            fn common(self) -> Common {
                Common {
                    message_id: self.message_id,
                    related_message_id: self.related_message_id,
                    from: self.from,
                    to: self.to,
                    channel: self.channel,
                    timestamp: self.timestamp,
                }
            }
        }
    )*};
}

reply_types! {
    TextReply => InboundType::Text,
    MediaReply => InboundType::Media,
    LocationReply => InboundType::Location,
    ContactsReply => InboundType::Contacts,
    SuggestedResponseReply => InboundType::SuggestedResponse,
    ListPickerResponseReply => InboundType::ListPicker,
    ButtonResponseReply => InboundType::Button,
}

fn inbound<T: Reply>(item: &Value, text: impl Fn(&T) -> Option<String>) -> Result<InboundMessage, Unparseable> {
    let reply: T = typed_clickatell(item)?;
    let text = text(&reply);
    let common = reply.common();
    Ok(InboundMessage {
        provider: Provider::Clickatell,
        message_id: required_id(common.message_id, "messageId")?,
        related_message_id: common.related_message_id,
        from: common.from,
        to: common.to,
        channel: common.channel,
        kind: T::KIND,
        text,
        occurred_at: common.timestamp,
        payload: item.clone(),
    })
}

/// An inbound event of a type our spec does not know, read through the
/// fields every inbound type has (TextReply's, without its content); `None`
/// when it is no object with a message id (it stays in the raw request).
fn unknown_inbound(item: &Value) -> Option<InboundMessage> {
    let mut message = inbound::<TextReply>(item, |_| None).ok()?;
    message.kind = InboundType::Unknown;
    Some(message)
}
