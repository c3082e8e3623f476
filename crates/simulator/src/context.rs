//! What every request and every playback of the simulator shares. It
//! imports only the crate's leaf modules, so that the entry points, the
//! playback and the server start can all depend on it without depending on
//! each other.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::delivery::{ReceiverClients, RetryPolicy};
use crate::keys::AcceptedKey;
use crate::ledger::Ledger;
use crate::outage::Availability;
use crate::plan::{Dice, Knobs};
use crate::spec::SpecValidator;

/// Largest send request read, in bytes (a bulk request of a few thousand messages).
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// What every request and every playback shares.
pub struct Shared {
    pub(crate) key: AcceptedKey,
    pub(crate) clickatell_spec: SpecValidator,
    pub(crate) clearline_spec: SpecValidator,
    pub(crate) dice: Dice,
    pub(crate) knobs: Knobs,
    pub(crate) retry: RetryPolicy,
    pub(crate) receiver: ReceiverClients,
    pub(crate) ledger: Ledger,
    pub(crate) availability: Availability,
}

/// The dropshot context: the shared state, which playbacks outlive requests with.
pub struct Simulator(pub(crate) Arc<Shared>);

/// The simulator's clock, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(since_epoch.as_millis()).expect("milliseconds fit an i64")
}
