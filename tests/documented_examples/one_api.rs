//! Clickatell One API's page: the forward-compatibility skeleton reads as
//! a status callback and as a reply callback.

use smsgate::clickatell::one_api_callbacks::types as one_api;
use smsgate_doc_examples::code_blocks;

use crate::{ONE_API_PAGE, only_block, read_lossless, read_repo_file};

fn one_api_skeleton() -> String {
    let page = read_repo_file(ONE_API_PAGE);
    let blocks = code_blocks(&page);
    only_block(ONE_API_PAGE, &blocks, "the basic callback structure", |b| {
        b.paragraph.contains("basic callback structure")
    })
    .to_string()
}

#[test]
fn one_api_skeleton_reads_as_status_callback() {
    let skeleton = one_api_skeleton();
    let callback: one_api::OmniStatusCallbackRequest = read_lossless("the One API skeleton", &skeleton);
    assert_eq!(callback.integration_id.as_deref(), Some("string"));
    assert_eq!(callback.integration_name.as_deref(), Some("string"));
    let event = callback.event.expect("the skeleton has an event object");
    assert!(event.message_status_update.is_empty());
    assert!(event.message_fallback.is_empty());
    assert!(event.status_is_typing.is_empty());
    assert!(event.extra.is_empty());
    assert!(callback.extra.is_empty(), "{:?}", callback.extra);
}

#[test]
fn one_api_skeleton_reads_as_reply_callback() {
    let skeleton = one_api_skeleton();
    let callback: one_api::OmniReplyCallbackRequest = read_lossless("the One API skeleton", &skeleton);
    assert_eq!(callback.integration_id.as_deref(), Some("string"));
    assert_eq!(callback.integration_name.as_deref(), Some("string"));
    let event = callback.event.expect("the skeleton has an event object");
    assert!(event.mo_text.is_empty());
    assert!(event.mo_media.is_empty());
    assert!(event.mo_location.is_empty());
    assert!(event.mo_contacts.is_empty());
    assert!(event.mo_suggested_response.is_empty());
    assert!(event.mo_list_picker_response.is_empty());
    assert!(event.mo_button_response.is_empty());
    assert!(event.extra.is_empty());
    assert!(callback.extra.is_empty(), "{:?}", callback.extra);
}
