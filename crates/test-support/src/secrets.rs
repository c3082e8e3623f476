//! The secrets every test receiver gets, in-process or as `smsgate serve`:
//! one value of each, so that a suite never has to know which harness
//! started the receiver it talks to.

/// The callback secret (`?token=`, or the password of HTTP Basic auth;
/// `SMSGATE_CALLBACK_TOKEN`). It has the characters a URL-safe generated
/// secret has (`-`, `_`).
pub const CALLBACK_SECRET: &str = "cb-S3cret_for-the-tests";
/// The query API's bearer token (`SMSGATE_API_TOKEN`).
pub const API_TOKEN: &str = "api-T0ken_for-the-tests";
