//! What a service using smsgate writes: send one SMS through ClearLine and
//! read a SmartHive delivery report.
//!
//! Usage: `SMSGATE_CLEARLINE_API_KEY=... smsgate-importer BASE_URL [PHONE [MESSAGE]]`.
//! Prints the `messageId` ClearLine returned on the first line, then the
//! SmartHive report it read.

use smsgate::ApiKey;
use smsgate::clearline::sms_api::{Client, types};
use smsgate::smarthive::callbacks::types::SmartHiveStatusCallback;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let base_url = args
        .next()
        .ok_or("usage: smsgate-importer BASE_URL [PHONE [MESSAGE]]")?;
    let phone = args.next().unwrap_or_else(|| "+12025551234".to_string());
    let message = args
        .next()
        .unwrap_or_else(|| "Your order is ready for pickup.".to_string());
    let key = std::env::var("SMSGATE_CLEARLINE_API_KEY").map_err(|_| "SMSGATE_CLEARLINE_API_KEY is not set")?;

    let client = Client::with_api_key(&base_url, ApiKey::new(key)?);
    let sent = client
        .send_sms()
        .body(types::SendSmsRequest::builder().phone(phone).message(message))
        .send()
        .await?
        .into_inner();
    let message_id = sent.message_id.ok_or("ClearLine returned no messageId")?;
    println!("{message_id}");

    // SmartHive's own example, trailing comma and all.
    let body = br#"{"msg_id": "jyd823-23n", "status": "DELIVRD", "str_length": 157, "cost": "3.00",}"#;
    let report: SmartHiveStatusCallback = smsgate::lenient::from_slice(body)?;
    println!(
        "smarthive {} {} str_length={}",
        report.msg_id.as_deref().unwrap_or("?"),
        report.status.as_deref().unwrap_or("?"),
        report.str_length.as_deref().unwrap_or("?"),
    );
    Ok(())
}
