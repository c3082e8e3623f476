//! Contract tests of the whole workspace, in both directions (see
//! `docs/architecture.md`, "Tests"):
//! our generated provider clients against Prism, a validating mock of the
//! providers' specs (`tests/prism.rs`); the providers' side against our
//! receiver, through the generated callback clients with payloads generated
//! from the callback specs' schemas (`tests/callback_properties.rs`) and
//! through schemathesis (`tests/schemathesis.rs`); and the receiver's own
//! OpenAPI document against each callback spec (`tests/server_vs_spec.rs`).
//!
//! Why a package of its own: these tests need the receiver in-process (the
//! test receiver of `smsgate-test-support`), and the root package `smsgate`
//! cannot dev-depend on `smsgate-receiver` (which depends on `smsgate`)
//! without linking two copies of `smsgate`, whose types would then not be
//! the same types. Here both come from one copy.
//!
//! The library holds what the test binaries share: where the specs are
//! ([`specs`]), how an external tool is found or the test skipped
//! ([`tools`]), a Prism child process ([`prism`]), the test receiver as
//! the generated clients reach it ([`receiver`]), and the
//! JSON-Schema-to-proptest generator ([`schema`]).

pub mod prism;
pub mod receiver;
pub mod schema;
pub mod specs;
pub mod tools;
