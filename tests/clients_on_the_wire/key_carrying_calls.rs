//! One operation per client, called with minimal inputs: what the secrets
//! tests send to a server that answers wrongly or not at all.

use std::future::Future;
use std::pin::Pin;

use smsgate::Credentials;
use smsgate::clearline::callbacks as clearline_callbacks;
use smsgate::clearline::sms_api as clearline_sms;
use smsgate::clickatell::one_api_callbacks as one_api;
use smsgate::clickatell::sms_api as clickatell_sms;
use smsgate::clickatell::sms_callbacks;
use smsgate::smarthive::callbacks as smarthive;

use crate::Error;

pub type Call = fn(String, Credentials) -> Pin<Box<dyn Future<Output = Result<(), Error>>>>;

/// One operation per client, called with minimal inputs.
pub struct KeyCarryingCall {
    pub api: &'static str,
    pub operation_id: &'static str,
    pub send: Call,
}

pub fn key_carrying_calls() -> Vec<KeyCarryingCall> {
    vec![
        KeyCarryingCall {
            api: "clickatell-sms-api",
            operation_id: "sendMessageHTTP",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = clickatell_sms::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    client
                        .send_message_http()
                        .to("27820000000")
                        .content("hi")
                        .send()
                        .await
                        .map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "clickatell-sms-api",
            operation_id: "sendMessageREST_1",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = clickatell_sms::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    let body = clickatell_sms::types::SendMessageRequest::builder().content(Some("hi".to_string()));
                    client.send_message_rest_1().body(body).send().await.map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "clickatell-sms-callbacks",
            operation_id: "sendGetSmsStatusCallback",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = sms_callbacks::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    client
                        .send_get_sms_status_callback()
                        .message_id("m")
                        .send()
                        .await
                        .map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "clickatell-one-api-callbacks",
            operation_id: "sendPostOmniStatusCallback",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = one_api::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    let body = one_api::types::OmniStatusCallbackRequest::builder();
                    client
                        .send_post_omni_status_callback()
                        .body(body)
                        .send()
                        .await
                        .map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "smarthive-callbacks",
            operation_id: "sendSmartHiveStatusCallback",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = smarthive::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    let body = smarthive::types::SmartHiveStatusCallback::builder();
                    client
                        .send_smart_hive_status_callback()
                        .body(body)
                        .send()
                        .await
                        .map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "clearline-sms-api",
            operation_id: "sendSms",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = clearline_sms::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    let body = clearline_sms::types::SendSmsRequest::builder()
                        .phone("+1")
                        .message("hi");
                    client.send_sms().body(body).send().await.map(drop)
                })
            },
        },
        KeyCarryingCall {
            api: "clearline-callbacks",
            operation_id: "sendClearLineStatusCallback",
            send: |base, credentials| {
                Box::pin(async move {
                    let client = clearline_callbacks::Client::new_with_client(
                        &base,
                        smsgate::auth::client_builder().build().unwrap(),
                        credentials,
                    );
                    let body = clearline_callbacks::types::DeliveryStatusCallback::builder();
                    client
                        .send_clear_line_status_callback()
                        .body(body)
                        .send()
                        .await
                        .map(drop)
                })
            },
        },
    ]
}
