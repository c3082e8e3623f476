//! Fuzz target: POST /client-callback/one-api-status bodies (Clickatell One API).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsgate_callbacks::Route;

fuzz_target!(|data: &[u8]| smsgate_fuzz::callback_body(Route::ClickatellOneApiStatus, data));
