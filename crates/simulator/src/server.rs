//! Starting the simulator, and what its requests share.

use std::net::SocketAddr;
use std::sync::Arc;

use dropshot::HttpServer;
use smsgate::ApiKey;
use smsgate_simulator_api::simulator_api_mod;

use crate::context::{BODY_LIMIT, Shared, Simulator};
use crate::delivery::{ReceiverClients, RetryPolicy};
use crate::http_entrypoints::SimulatorImpl;
use crate::keys::AcceptedKey;
use crate::ledger::Ledger;
use crate::outage::Availability;
use crate::plan::{Dice, Knobs};
use crate::spec::SpecValidator;

/// How to run the simulator.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The receiver's base URL (e.g. `http://127.0.0.1:8080`): Clickatell
    /// callbacks, inbound messages and SmartHive reports go there.
    pub callback_base: String,
    /// The receiver's callback secret, sent as `?token=`.
    pub callback_token: Option<ApiKey>,
    /// The API key every send request must carry.
    pub api_key: ApiKey,
    pub knobs: Knobs,
    /// Seeds every random choice (ids, outcomes, knobs).
    pub seed: u64,
    pub retry: RetryPolicy,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid callback base `{0}`: expected an http:// or https:// URL, e.g. http://127.0.0.1:8080")]
    CallbackBase(String),
    #[error("cannot start the simulator on {addr}: {message}")]
    Listen { addr: SocketAddr, message: String },
}

/// The effective specs, as committed (`cargo xtask regen` writes them).
const CLICKATELL_SPEC: &str = include_str!("../../../openapi/clickatell-sms-api.json");
const CLEARLINE_SPEC: &str = include_str!("../../../openapi/clearline-sms-api.json");

fn validator(spec: &str) -> SpecValidator {
    SpecValidator::new(&serde_json::from_str(spec).expect("a committed spec is JSON"))
}

/// A started simulator.
pub struct Running {
    server: HttpServer<Simulator>,
}

impl Running {
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Runs until the server stops (on error or `close`).
    pub async fn wait(&self) -> Result<(), String> {
        self.server.wait_for_shutdown().await
    }

    pub async fn close(self) -> Result<(), String> {
        self.server.close().await
    }
}

/// Starts the simulator on `config.listen`.
pub fn start(config: Config) -> Result<Running, StartError> {
    let base = reqwest::Url::parse(&config.callback_base)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.query().is_none())
        .ok_or_else(|| StartError::CallbackBase(config.callback_base.clone()))?;
    let shared = Shared {
        key: AcceptedKey::new(config.api_key),
        clickatell_spec: validator(CLICKATELL_SPEC),
        clearline_spec: validator(CLEARLINE_SPEC),
        dice: Dice::new(config.seed),
        knobs: config.knobs,
        retry: config.retry,
        receiver: ReceiverClients::new(base.as_str(), config.callback_token.as_ref()),
        ledger: Ledger::default(),
        availability: Availability::default(),
    };
    let api = simulator_api_mod::api_description::<SimulatorImpl>().expect("the SimulatorApi trait is valid");
    let server = smsgate_http_server::start_server(api, Simulator(Arc::new(shared)), config.listen, BODY_LIMIT, None)
        .map_err(|e| StartError::Listen {
        addr: e.addr,
        message: e.message,
    })?;
    Ok(Running { server })
}
