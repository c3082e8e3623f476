//! ClearLine's page: every JSON code block is one the tests know, and the
//! send request and response and the callback examples read.

use smsgate::clearline::callbacks::types as clearline_callbacks;
use smsgate::clearline::sms_api::types as clearline_sms;
use smsgate_doc_examples::{CodeBlock, code_blocks};

use crate::{CLEARLINE_PAGE, only_block, read_lossless, read_repo_file, spec, spec_example};

/// The JSON-bearing code blocks of ClearLine's page, by the heading above them.
const CLEARLINE_REQUEST_SHAPE: &str = "Request Body";
const CLEARLINE_REQUEST: &str = "Example Request";
const CLEARLINE_RESPONSE: &str = "Response";
const CLEARLINE_CALLBACK: &str = "Request your callback URL will receive";

fn clearline_block<'a>(blocks: &'a [CodeBlock], heading: &str) -> &'a str {
    only_block(CLEARLINE_PAGE, blocks, &format!("heading {heading:?}"), |b| {
        b.heading == heading && b.json_text().is_some()
    })
}

#[test]
fn clearline_page_has_no_unchecked_json_example() {
    let page = read_repo_file(CLEARLINE_PAGE);
    let blocks = code_blocks(&page);
    let known = [
        CLEARLINE_REQUEST_SHAPE,
        CLEARLINE_REQUEST,
        CLEARLINE_RESPONSE,
        CLEARLINE_CALLBACK,
    ];
    let with_json: Vec<_> = blocks.iter().filter(|b| b.json_text().is_some()).collect();
    for block in &with_json {
        assert!(
            known.contains(&block.heading.as_str()),
            "{CLEARLINE_PAGE}: a JSON example under {:?} is not checked by this test: {}",
            block.heading,
            block.text
        );
    }
    assert_eq!(with_json.len(), known.len(), "{with_json:#?}");
}

#[test]
fn clearline_send_request_examples_read() {
    let page = read_repo_file(CLEARLINE_PAGE);
    let blocks = code_blocks(&page);

    let example = clearline_block(&blocks, CLEARLINE_REQUEST);
    let request: clearline_sms::SendSmsRequest = read_lossless("ClearLine's example request body", example);
    assert_eq!(request.phone, "+12025551234");
    assert_eq!(request.message, "Hello! Your order is ready for pickup.");
    assert_eq!(
        request.callback_url.as_deref(),
        Some("https://yourapp.example.com/webhooks/sms-delivery")
    );
    assert!(request.extra.is_empty(), "{:?}", request.extra);
    let effective = spec_example(
        &spec("clearline-sms-api"),
        "/paths/~1MessageSender~1sms/post/requestBody/content/application~1json/example",
    );
    assert_eq!(serde_json::to_value(&request).unwrap(), effective);

    // The body's shape, with placeholder values.
    let shape = clearline_block(&blocks, CLEARLINE_REQUEST_SHAPE);
    let request: clearline_sms::SendSmsRequest = read_lossless("ClearLine's request body shape", shape);
    assert_eq!(request.phone, "string");
    assert_eq!(request.message, "string");
    assert_eq!(request.callback_url.as_deref(), Some("string"));
    assert!(request.extra.is_empty(), "{:?}", request.extra);
}

#[test]
fn clearline_send_response_example_reads() {
    let page = read_repo_file(CLEARLINE_PAGE);
    let blocks = code_blocks(&page);
    let example = clearline_block(&blocks, CLEARLINE_RESPONSE);
    let response: clearline_sms::SendSmsResponse = read_lossless("ClearLine's response", example);
    assert_eq!(response.succeed, Some(true));
    assert_eq!(response.message_id.as_deref(), Some("string"));
    assert!(response.extra.is_empty(), "{:?}", response.extra);
    let effective = spec_example(
        &spec("clearline-sms-api"),
        "/paths/~1MessageSender~1sms/post/responses/200/content/application~1json/example",
    );
    assert_eq!(serde_json::to_value(&response).unwrap(), effective);
}

#[test]
fn clearline_callback_example_reads() {
    let page = read_repo_file(CLEARLINE_PAGE);
    let blocks = code_blocks(&page);
    let example = clearline_block(&blocks, CLEARLINE_CALLBACK);
    let callback: clearline_callbacks::DeliveryStatusCallback = read_lossless("ClearLine's callback", example);
    assert_eq!(callback.message_id.as_deref(), Some("string"));
    // "string" is no value of the page's two-value status list: it reads only
    // because the overlay opened the enum.
    assert_eq!(callback.delivery_status.as_deref(), Some("string"));
    assert_eq!(callback.external_delivery_status.as_deref(), Some("string"));
    assert_eq!(callback.reason_text.as_deref(), Some("string"));
    assert!(callback.extra.is_empty(), "{:?}", callback.extra);
    let effective = spec_example(
        &spec("clearline-callbacks"),
        "/paths/~1client-callback~1clearline-status/post/requestBody/content/application~1json/example",
    );
    assert_eq!(serde_json::to_value(&callback).unwrap(), effective);
}
