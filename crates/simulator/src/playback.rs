//! Playing an accepted message's plan: its status callbacks, one after the
//! other (each retried until acknowledged or given up), to the receiver.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use smsgate::clearline::callbacks as clearline;
use smsgate::clickatell::sms_callbacks::types::SmsStatusCallback;
use smsgate_simulator_api::control::{DeliveryState, MessageView};

use crate::context::{Shared, now_ms};
use crate::delivery::{acknowledged, deliver, pending};
use crate::inbound::INTEGRATION;
use crate::plan::{Plan, Provider, ProviderStatus};

/// Where an accepted message's callbacks go.
pub enum Target {
    /// `--callback-base` + Clickatell's SMS status route.
    ClickatellReceiver,
    /// The ClearLine request's `callbackUrl`.
    ClearLine(clearline::Client),
    /// Nowhere, and why (no or unusable ClearLine `callbackUrl`).
    Nowhere(String),
}

/// A message the simulator accepted.
pub struct Accepted {
    pub provider: Provider,
    pub to: String,
    pub from: Option<String>,
    pub client_message_id: Option<String>,
    /// When it was accepted, in milliseconds since the epoch.
    pub accepted_at_ms: i64,
    pub target: Target,
}

/// Records `message` with its plan and plays the plan in the background.
pub fn play(shared: &Arc<Shared>, message: Accepted, plan: Plan) {
    let mut view = MessageView {
        provider: message.provider.id().to_string(),
        message_id: plan.message_id.clone(),
        to: message.to.clone(),
        outcome: plan.outcome.name().to_string(),
        callbacks: plan
            .steps
            .iter()
            .map(|s| pending(s.status.name(), s.duplicate))
            .collect(),
    };
    if let Target::Nowhere(reason) = &message.target {
        for callback in &mut view.callbacks {
            callback.state = DeliveryState::NotSent;
            callback.last_error = Some(reason.clone());
        }
        shared.ledger.record(view);
        return;
    }
    let index = shared.ledger.record(view);
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        for (number, step) in plan.steps.iter().enumerate() {
            tokio::time::sleep(step.delay).await;
            // A status is reported once it has happened, never with a
            // provider time still ahead of the receiver's clock.
            if let Some(due) = step.status.provider_time_ms(message.accepted_at_ms) {
                let ahead = u64::try_from(due - now_ms()).unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ahead)).await;
            }
            let (shared, message, plan) = (&shared, &message, &plan);
            deliver(
                &shared.retry,
                pending(step.status.name(), step.duplicate),
                || async move { send_status(shared, message, &plan.message_id, step.status).await },
                |progress| {
                    shared
                        .ledger
                        .update(index, number, |callback| callback.clone_from(progress))
                },
            )
            .await;
        }
        tracing::info!(provider = message.provider.id(), message_id = %plan.message_id, "status callbacks played");
    });
}

async fn send_status(
    shared: &Shared,
    message: &Accepted,
    message_id: &str,
    status: ProviderStatus,
) -> Result<(), String> {
    match (&message.target, status) {
        (
            Target::ClickatellReceiver,
            ProviderStatus::Clickatell {
                code,
                name,
                description,
                ..
            },
        ) => {
            let callback: SmsStatusCallback = serde_json::from_value(json!({
                "integrationName": INTEGRATION, "messageId": message_id,
                "clientMessageId": message.client_message_id, "to": message.to, "from": message.from,
                "statusCode": code, "status": name, "statusDescription": description,
                "timestamp": status.provider_time_ms(message.accepted_at_ms).map(|at| at.to_string()),
            }))
            .expect("a Clickatell status fits SmsStatusCallback");
            acknowledged(
                shared
                    .receiver
                    .sms
                    .send_post_sms_status_callback()
                    .body(callback)
                    .send()
                    .await,
            )
        }
        (
            Target::ClearLine(client),
            ProviderStatus::ClearLine {
                delivery,
                external,
                reason,
            },
        ) => {
            let callback = clearline::types::DeliveryStatusCallback::builder()
                .message_id(Some(message_id.to_string()))
                .delivery_status(Some(delivery.to_string()))
                .external_delivery_status(Some(external.to_string()))
                .reason_text(Some(reason.to_string()));
            acknowledged(client.send_clear_line_status_callback().body(callback).send().await)
        }
        _ => Err(format!("no {} callback target for this message", message.provider.id())),
    }
}
