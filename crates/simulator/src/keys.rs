//! The API key the simulator accepts, checked in constant time wherever a
//! provider takes it. The key never reaches `Debug` output or logs.

use smsgate::ApiKey;
use subtle::ConstantTimeEq;

#[derive(Debug, Clone)]
pub struct AcceptedKey(ApiKey);

impl AcceptedKey {
    pub fn new(key: ApiKey) -> AcceptedKey {
        AcceptedKey(key)
    }

    /// Whether `candidate` (absent when the request carried none) is the key.
    pub fn admits(&self, candidate: Option<&str>) -> bool {
        candidate.is_some_and(|candidate| self.0.expose().as_bytes().ct_eq(candidate.as_bytes()).into())
    }
}
