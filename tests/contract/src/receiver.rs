//! The test receiver (`smsgate_test_support::receiver`: a real receiver in
//! this process, on a fresh SQLite file, with the test secrets) as the
//! contract tests talk to it: through the generated clients, never by hand.
//! The callback secret as the callback clients take it, and the query API
//! through `smsgate::api`.

use std::future::Future;

use smsgate::ApiKey;
use smsgate_test_support::receiver::TestReceiver;
use smsgate_test_support::secrets::{API_TOKEN, CALLBACK_SECRET};

/// What the contract tests ask of a [`TestReceiver`] through the generated
/// clients.
pub trait ThroughGeneratedClients {
    /// The callback secret as the generated callback clients take it.
    fn callback_key(&self) -> ApiKey;

    /// The generated client of the query API, with its token.
    fn api_client(&self) -> smsgate::api::Client;

    /// `GET /v1/messages/{provider}/{message_id}` through `smsgate::api`:
    /// the message view as JSON, or `None` on 404. Generated ids hold any
    /// character, `\\` and `/` included, so this also checks that the
    /// generated client keeps a path parameter one segment.
    fn message_view(&self, provider: &str, message_id: &str) -> impl Future<Output = Option<serde_json::Value>>;
}

impl ThroughGeneratedClients for TestReceiver {
    fn callback_key(&self) -> ApiKey {
        ApiKey::new(CALLBACK_SECRET).expect("a valid key")
    }

    fn api_client(&self) -> smsgate::api::Client {
        smsgate::api::Client::with_api_key(&self.api_base, ApiKey::new(API_TOKEN).expect("a valid key"))
    }

    async fn message_view(&self, provider: &str, message_id: &str) -> Option<serde_json::Value> {
        match self
            .api_client()
            .get_message()
            .provider(provider)
            .message_id(message_id)
            .send()
            .await
        {
            Ok(view) => Some(serde_json::to_value(view.into_inner()).expect("a message view serializes")),
            Err(error) if error.status() == Some(reqwest::StatusCode::NOT_FOUND) => None,
            Err(error) => panic!("the query API's message view: {error}"),
        }
    }
}
