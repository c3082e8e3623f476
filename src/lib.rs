//! Typed clients for SMS providers' APIs, generated at build time from the
//! providers' own documents.
//!
//! Each module is one OpenAPI document under `openapi/` (the *effective*
//! spec: the provider's vendored document plus local fixes written as
//! overlays, see `cargo xtask regen`), compiled by `build.rs` with progenitor.
//! Every module has a `Client` and a `types` module; the types derive
//! `serde` and `schemars::JsonSchema`, so a server can reuse them, and every
//! type we *receive* keeps unknown fields in its `extra` map.
//!
//! | module | role | the provider... |
//! |---|---|---|
//! | [`clickatell::sms_api`] | provider | Clickatell's send API, which we call |
//! | [`clickatell::sms_callbacks`] | callbacks | calls us with SMS statuses and replies |
//! | [`clickatell::one_api_callbacks`] | callbacks | calls us with One API statuses and inbound messages |
//! | [`smarthive::callbacks`] | callbacks | calls us with delivery reports |
//! | [`clearline::sms_api`] | provider | ClearLine's send API, which we call |
//! | [`clearline::callbacks`] | callbacks | calls us with delivery statuses |
//! | [`api`] | ours | smsgate's own query API (the receiver's `/v1`) |
//!
//! Callbacks-role clients are the provider's side: smsgate uses them to test
//! its receiver, and they document the payloads (`types`) the receiver reads.
//!
//! Hand-written code is kept to the glue around the generated modules:
//! [`auth`] (keys, where they go, keeping them secret) and [`lenient`]
//! (reading payloads as providers really send them).

pub mod auth;
pub mod lenient;
mod path;

pub use auth::{ApiKey, Credentials};

/// Includes the client that `build.rs` generated from `openapi/<api>.json`.
macro_rules! generated_client {
    ($api:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $api, ".rs"));
    };
}

pub mod api {
    //! The query API of smsgate's receiver (`openapi/smsgate-api.json`,
    //! generated from the receiver's dropshot trait): the events smsgate
    //! received, for the services that consume them. The key is the
    //! receiver's API token, sent as `Authorization: Bearer`.
    //!
    //! ```no_run
    //! use smsgate::ApiKey;
    //! use smsgate::api::Client;
    //!
    //! # async fn poll() -> Result<(), Box<dyn std::error::Error>> {
    //! let api = Client::with_api_key("http://127.0.0.1:8080", ApiKey::from_env("SMSGATE_API_TOKEN")?);
    //! let mut cursor: Option<String> = None;
    //! loop {
    //!     let mut request = api.list_events().limit(std::num::NonZeroU32::new(100).unwrap());
    //!     if let Some(after) = &cursor {
    //!         request = request.after(after.clone());
    //!     }
    //!     let page = request.send().await?.into_inner();
    //!     for event in &page.events {
    //!         println!("{event:?}");
    //!     }
    //!     cursor = Some(page.next_cursor);
    //!     tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    //! }
    //! # }
    //! ```
    generated_client!("smsgate-api");
}

pub mod clickatell {
    //! Clickatell: the SMS API (send), and the callbacks of its SMS and One
    //! API products. Both products' message ids come from one platform, so
    //! the receiver files them under one provider id, `clickatell`.

    pub mod sms_api {
        //! Clickatell's SMS API (`openapi/clickatell-sms-api.json`): send one
        //! message (`POST /messages`), many (`POST /messages/rest/bulk`), or
        //! one over HTTP GET (`GET /messages/http/send`).
        //!
        //! The key goes in the `Authorization` header for the two REST
        //! operations and in the `apiKey` query parameter for HTTP send; the
        //! client does both from one [`ApiKey`](crate::ApiKey), and redacts
        //! the query key from any URL it hands back in an error.
        //!
        //! ```no_run
        //! use smsgate::ApiKey;
        //! use smsgate::clickatell::sms_api::{Client, PLATFORM_URL, types};
        //!
        //! # async fn send() -> Result<(), Box<dyn std::error::Error>> {
        //! let client = Client::with_api_key(PLATFORM_URL, ApiKey::from_env("SMSGATE_CLICKATELL_API_KEY")?);
        //! let request = types::SendMessageRequest::builder()
        //!     .to(vec!["27820000000".to_string()])
        //!     .content(Some("Your code is 1234".to_string()));
        //! let sent = client.send_message_rest_1().body(request).send().await?;
        //! for message in &sent.messages {
        //!     println!("{:?} accepted={:?}", message.api_message_id, message.accepted);
        //! }
        //! // HTTP send: the same key, sent as `?apiKey=`.
        //! client.send_message_http().to("27820000000").content("hello").send().await?;
        //! # Ok(()) }
        //! ```
        generated_client!("clickatell-sms-api");

        /// Clickatell's platform, the spec's server.
        pub const PLATFORM_URL: &str = "https://platform.clickatell.com";
    }

    pub mod sms_callbacks {
        //! Clickatell SMS callbacks (`openapi/clickatell-sms-callbacks.json`):
        //! statuses (`/client-callback/sms-status`) and replies
        //! (`/client-callback/sms-reply`), each as GET with query parameters or
        //! POST with JSON. The client plays Clickatell's part; its key is the
        //! receiver's callback secret, sent as `?token=`.
        //!
        //! ```no_run
        //! use smsgate::ApiKey;
        //! use smsgate::clickatell::sms_callbacks::{Client, types};
        //!
        //! # async fn report() -> Result<(), Box<dyn std::error::Error>> {
        //! let receiver = Client::with_api_key("http://127.0.0.1:8080", ApiKey::from_env("SMSGATE_CALLBACK_TOKEN")?);
        //! let status = types::SmsStatusCallback::builder()
        //!     .message_id(Some("abc123".to_string()))
        //!     .status_code(Some(4))
        //!     .status(Some("RECEIVED_BY_RECIPIENT".to_string()));
        //! receiver.send_post_sms_status_callback().body(status).send().await?;
        //! # Ok(()) }
        //! ```
        generated_client!("clickatell-sms-callbacks");
    }

    pub mod one_api_callbacks {
        //! Clickatell One API callbacks
        //! (`openapi/clickatell-one-api-callbacks.json`): status events
        //! (`/client-callback/one-api-status`) and inbound messages of seven
        //! types (`/client-callback/one-api-reply`). Reading a payload:
        //!
        //! ```
        //! use smsgate::clickatell::one_api_callbacks::types::OmniStatusCallbackRequest;
        //!
        //! let body = br#"{"integrationId": "i", "event": {"messageStatusUpdate": [
        //!     {"channel": "rcs", "messageId": "m1", "statusCode": "5", "status": "DEVICE_ACK", "timestamp": 1700000000000}
        //! ]}}"#;
        //! let callback: OmniStatusCallbackRequest = smsgate::lenient::from_slice(body)?;
        //! let update = &callback.event.unwrap().message_status_update[0];
        //! assert_eq!(update.status_code, Some(5));
        //! assert_eq!(update.channel.as_deref(), Some("rcs"));
        //! # Ok::<(), smsgate::lenient::LenientError>(())
        //! ```
        generated_client!("clickatell-one-api-callbacks");
    }
}

pub mod smarthive {
    //! SmartHive: its delivery-report callback (its send API is not in our
    //! documents).

    pub mod callbacks {
        //! SmartHive's delivery-status callback
        //! (`openapi/smarthive-callbacks.json`), POSTed to the message's
        //! `callback_url`; smsgate serves it at
        //! `/client-callback/smarthive-status` and answers `{"status":"ok"}`.
        //!
        //! SmartHive's own example is not valid JSON (a trailing comma) and
        //! sends numbers as strings; [`crate::lenient`] reads it as published:
        //!
        //! ```
        //! use smsgate::smarthive::callbacks::types::SmartHiveStatusCallback;
        //!
        //! let body = br#"{"msg_id": "jyd823-23n", "status": "DELIVRD", "str_length": 157, "cost": "3.00",}"#;
        //! let report: SmartHiveStatusCallback = smsgate::lenient::from_slice(body)?;
        //! assert_eq!(report.str_length.as_deref(), Some("157"));
        //! # Ok::<(), smsgate::lenient::LenientError>(())
        //! ```
        generated_client!("smarthive-callbacks");
    }
}

pub mod clearline {
    //! ClearLine: send SMS, and its delivery-status callback.

    pub mod sms_api {
        //! ClearLine's send API (`openapi/clearline-sms-api.json`):
        //! `POST /MessageSender/sms`, authenticated by the `ApiKey` header.
        //!
        //! ```no_run
        //! use smsgate::ApiKey;
        //! use smsgate::clearline::sms_api::{Client, STAGING_URL, types};
        //!
        //! # async fn send() -> Result<(), Box<dyn std::error::Error>> {
        //! let client = Client::with_api_key(STAGING_URL, ApiKey::from_env("SMSGATE_CLEARLINE_API_KEY")?);
        //! let sent = client
        //!     .send_sms()
        //!     .body(
        //!         types::SendSmsRequest::builder()
        //!             .phone("+12025551234")
        //!             .message("Your order is ready for pickup.")
        //!             .callback_url(Some("https://example.com/client-callback/clearline-status?token=...".to_string())),
        //!     )
        //!     .send()
        //!     .await?;
        //! println!("queued as {:?}", sent.message_id);
        //! # Ok(()) }
        //! ```
        generated_client!("clearline-sms-api");

        /// ClearLine production, from the spec's servers.
        pub const PRODUCTION_URL: &str = "https://api.clearline.me";
        /// ClearLine staging, from the spec's servers.
        pub const STAGING_URL: &str = "https://apistage.clearline.me";
    }

    pub mod callbacks {
        //! ClearLine's delivery-status callback
        //! (`openapi/clearline-callbacks.json`), POSTed to the send request's
        //! `callbackUrl`; smsgate serves it at
        //! `/client-callback/clearline-status`.
        generated_client!("clearline-callbacks");
    }
}
