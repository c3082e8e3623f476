//! Helpers shared by the integration tests that use `mod support;`.

pub mod capture_server;
