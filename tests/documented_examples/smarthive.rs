//! SmartHive's page: its callback example reads as published, trailing
//! comma and all, and so does its acknowledgement example.

use serde_json::json;
use smsgate::smarthive::callbacks::types as smarthive;
use smsgate_doc_examples::code_blocks;

use crate::{SMARTHIVE_PAGE, only_block, read_lossless, read_repo_file, spec, spec_example};

#[test]
fn smarthive_callback_example_reads_as_published() {
    let page = read_repo_file(SMARTHIVE_PAGE);
    let blocks = code_blocks(&page);
    let example = only_block(SMARTHIVE_PAGE, &blocks, "msg_id", |b| b.text.contains("\"msg_id\""));
    // As published the example ends with a trailing comma, so it is not
    // strict JSON: it is read the way the receiver reads it, leniently.
    let report: smarthive::SmartHiveStatusCallback = read_lossless("SmartHive's callback example", example);

    assert_eq!(report.msg_id.as_deref(), Some("jyd823-23n"));
    assert_eq!(report.status.as_deref(), Some("DELIVRD"));
    assert_eq!(report.dlr_code.as_deref(), Some("err:000"));
    assert_eq!(report.timestamp.as_deref(), Some("202311042057"));
    assert_eq!(report.str_length.as_deref(), Some("157"));
    assert_eq!(report.pg_length.as_deref(), Some("1"));
    assert_eq!(report.cost, Some(json!("3.00")));
    assert_eq!(report.desc.as_deref(), Some("DELIVERED"));
    assert!(
        report.extra.is_empty(),
        "every documented field is a typed field: {:?}",
        report.extra
    );

    // The effective spec's example is the page's, repaired.
    let effective = spec_example(
        &spec("smarthive-callbacks"),
        "/paths/~1client-callback~1smarthive-status/post/requestBody/content/application~1json/example",
    );
    assert_eq!(serde_json::to_value(&report).unwrap(), effective);
}

#[test]
fn smarthive_ack_example_reads() {
    let page = read_repo_file(SMARTHIVE_PAGE);
    let blocks = code_blocks(&page);
    let example = only_block(SMARTHIVE_PAGE, &blocks, "the 200 tab", |b| {
        b.paragraph.contains("tab title=\"200")
    });
    let ack: smarthive::CallbackAck = read_lossless("SmartHive's 200 response", example);
    assert_eq!(ack.status, "ok");
    assert!(ack.extra.is_empty());

    let effective = spec_example(
        &spec("smarthive-callbacks"),
        "/paths/~1client-callback~1smarthive-status/post/responses/200/content/application~1json/example",
    );
    assert_eq!(serde_json::to_value(&ack).unwrap(), effective);
}
