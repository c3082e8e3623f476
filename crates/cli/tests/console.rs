//! The operators' console (`/ui/`), against the real `smsgate serve`.
//!
//! | module | what |
//! |---|---|
//! | `gate` | plain HTTP: every page redirects to sign-in without a session, a wrong token is refused, forged or cross-site POSTs change nothing |
//! | `harness` | a store with quarantined requests, signing in, reading pages |

#[path = "console/gate.rs"]
mod gate;
#[path = "console/harness.rs"]
mod harness;
