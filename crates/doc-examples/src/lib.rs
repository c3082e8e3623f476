//! Finding the examples the providers document, wherever they stand.
//!
//! Two kinds of places hold them: the code blocks of the vendored provider
//! pages (`openapi/upstream/<provider>/*.txt`, Markdown), found with
//! pulldown-cmark together with the heading and paragraph above each, and
//! the `example` / `examples` values of the effective specs. The contract
//! tests check that every one of them reads; `cargo xtask fuzz` seeds its
//! corpora with them. Both take them from here, so they see the same ones.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use serde_json::Value;

/// A fenced or indented code block of a Markdown page, with where it stands.
#[derive(Debug)]
pub struct CodeBlock {
    /// The text of the nearest heading above the block.
    pub heading: String,
    /// The text of the nearest paragraph above the block (since that heading).
    pub paragraph: String,
    /// The info string of a fenced block (`json`, `http theme={null}`, or empty).
    pub info: String,
    pub text: String,
}

impl CodeBlock {
    pub fn language(&self) -> &str {
        self.info.split_whitespace().next().unwrap_or("")
    }

    /// The JSON in the block: the whole block, or for an `http` block the
    /// message body after the first blank line (`None` if it has none).
    pub fn json_text(&self) -> Option<&str> {
        let body = if self.language() == "http" {
            let text = self.text.trim_start();
            let at = text.find("\n\n").or_else(|| text.find("\r\n\r\n"))?;
            &text[at..]
        } else {
            &self.text
        };
        let body = body.trim();
        (body.starts_with('{') || body.starts_with('[')).then_some(body)
    }
}

/// Every code block of `markdown`, in page order.
pub fn code_blocks(markdown: &str) -> Vec<CodeBlock> {
    let (mut heading, mut paragraph) = (String::new(), String::new());
    let (mut in_heading, mut in_paragraph) = (false, false);
    let mut current: Option<CodeBlock> = None;
    let mut blocks = Vec::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                in_heading = true;
                heading.clear();
                paragraph.clear();
            }
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Start(Tag::Paragraph) => {
                in_paragraph = true;
                paragraph.clear();
            }
            Event::End(TagEnd::Paragraph) => in_paragraph = false,
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                current = Some(CodeBlock {
                    heading: heading.trim().to_string(),
                    paragraph: paragraph.trim().to_string(),
                    info,
                    text: String::new(),
                });
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            Event::Text(text) | Event::Code(text) => {
                if let Some(block) = &mut current {
                    block.text.push_str(&text);
                } else if in_heading {
                    heading.push_str(&text);
                } else if in_paragraph {
                    paragraph.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak if in_paragraph => paragraph.push('\n'),
            _ => {}
        }
    }
    blocks
}

/// Every `example`, and every value of `examples`, in `doc`: the path of
/// JSON tokens to it (ending in `example`, or in `examples` and the name)
/// and the value as written there (for `examples`, an Example Object: see
/// [`example_object_value`]).
pub fn find_examples(doc: &Value) -> Vec<(Vec<String>, Value)> {
    let mut found = Vec::new();
    walk(doc, &mut Vec::new(), &mut found);
    found
}

fn walk(doc: &Value, at: &mut Vec<String>, found: &mut Vec<(Vec<String>, Value)>) {
    match doc {
        Value::Object(fields) => {
            // A property *named* example is no example.
            let is_properties = at.last().is_some_and(|k| k == "properties");
            for (key, value) in fields {
                at.push(key.clone());
                match value {
                    _ if is_properties => walk(value, at, found),
                    _ if key == "example" => found.push((at.clone(), value.clone())),
                    Value::Object(examples) if key == "examples" => {
                        for (name, example) in examples {
                            at.push(name.clone());
                            found.push((at.clone(), example.clone()));
                            at.pop();
                        }
                    }
                    _ => walk(value, at, found),
                }
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                at.push(i.to_string());
                walk(item, at, found);
                at.pop();
            }
        }
        _ => {}
    }
}

/// The value of an Example Object (`examples.<name>`) of `doc`, following
/// `$ref`s; `None` for a dangling reference or an object without an inline
/// `value`.
pub fn example_object_value(doc: &Value, object: &Value) -> Option<Value> {
    match object.get("$ref").and_then(Value::as_str) {
        Some(reference) => example_object_value(doc, doc.pointer(reference.trim_start_matches('#'))?),
        None => object.get("value").cloned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn blocks_know_their_heading_paragraph_and_json() {
        let page = "# Callback\n\nThe body:\n\n```json\n{\"a\": 1,}\n```\n\n\
                    ## Raw\n\n```http theme={null}\nPOST /x HTTP/1.1\nHost: h\n\n[1]\n```\n\n\
                    ```http\nGET /x HTTP/1.1\n```\n\n    indented text\n";
        let blocks = code_blocks(page);
        assert_eq!(blocks.len(), 4, "{blocks:#?}");
        assert_eq!(
            (blocks[0].heading.as_str(), blocks[0].paragraph.as_str()),
            ("Callback", "The body:")
        );
        assert_eq!(blocks[0].json_text(), Some("{\"a\": 1,}"));
        assert_eq!((blocks[1].heading.as_str(), blocks[1].language()), ("Raw", "http"));
        assert_eq!(blocks[1].json_text(), Some("[1]"));
        assert_eq!(blocks[2].json_text(), None, "an http block without a body");
        assert_eq!((blocks[3].info.as_str(), blocks[3].json_text()), ("", None));
    }

    #[test]
    fn finds_examples_but_not_properties_named_example() {
        let doc = json!({
            "components": {
                "schemas": {"S": {"example": {"a": 1}, "properties": {"example": {"type": "string", "example": "x"}}}},
                "examples": {"shared": {"value": [2]}},
            },
            "paths": {"/p": {"post": {"parameters": [{"name": "q", "example": 3}],
                "requestBody": {"content": {"application/json": {"examples": {"one": {"$ref": "#/components/examples/shared"}}}}}}}},
        });
        let found = find_examples(&doc);
        let at: Vec<String> = found.iter().map(|(at, _)| at.join("/")).collect();
        assert_eq!(
            at,
            [
                "components/schemas/S/example",
                "components/schemas/S/properties/example/example",
                "components/examples/shared",
                "paths//p/post/parameters/0/example",
                "paths//p/post/requestBody/content/application/json/examples/one",
            ]
        );
        assert_eq!(example_object_value(&doc, &found[4].1), Some(json!([2])));
        assert_eq!(example_object_value(&doc, &json!({"$ref": "#/nowhere"})), None);
    }
}
