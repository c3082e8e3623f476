//! Reading upstream documents: markdown pages with embedded OpenAPI
//! documents, and plain OpenAPI in JSON or YAML.

use std::path::Path;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};
use serde_json::Value;

/// An import failure (exit code 100): names the document and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{document}: {problem}")]
pub struct ImportError {
    pub document: String,
    pub problem: String,
}

impl ImportError {
    pub fn new(document: impl Into<String>, problem: impl Into<String>) -> Self {
        ImportError {
            document: document.into(),
            problem: problem.into(),
        }
    }
}

/// One OpenAPI document found in a markdown page, with the heading it sits
/// under (e.g. `POST /messages`) so that conflicts can say where they came from.
#[derive(Debug, Clone)]
pub struct EmbeddedDocument {
    pub heading: String,
    pub document: Value,
}

/// Every fenced code block in `page` that holds a JSON object with an
/// `openapi` key, in page order.
pub fn embedded_documents(name: &str, page: &str) -> Result<Vec<EmbeddedDocument>, ImportError> {
    let mut found = Vec::new();
    let mut heading = String::new();
    let mut in_heading = false;
    let mut code: Option<String> = None;
    for event in Parser::new(page) {
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H3 => {
                in_heading = true;
                heading.clear();
            }
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => code = Some(String::new()),
            Event::Text(text) | Event::Code(text) => match (&mut code, in_heading) {
                (Some(block), _) => block.push_str(&text),
                (None, true) => heading.push_str(&text),
                (None, false) => {}
            },
            Event::End(TagEnd::CodeBlock) => {
                let block = code.take().unwrap_or_default();
                if !block.contains("\"openapi\"") {
                    continue;
                }
                let document: Value = serde_json::from_str(&block).map_err(|e| {
                    ImportError::new(
                        name,
                        format!("the OpenAPI document under \"{heading}\" is not valid JSON: {e}"),
                    )
                })?;
                if document.get("openapi").is_some() {
                    found.push(EmbeddedDocument {
                        heading: heading.clone(),
                        document,
                    });
                }
            }
            _ => {}
        }
    }
    if found.is_empty() {
        return Err(ImportError::new(name, "no embedded OpenAPI document found in the page"));
    }
    Ok(found)
}

/// Parses an OpenAPI document written as JSON or YAML (by file extension).
pub fn openapi_document(name: &str, text: &str) -> Result<Value, ImportError> {
    let is_json = Path::new(name).extension().is_some_and(|e| e == "json");
    let document: Value = if is_json {
        serde_json::from_str(text).map_err(|e| ImportError::new(name, format!("not valid JSON: {e}")))?
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| ImportError::new(name, format!("not valid YAML: {e}")))?
    };
    if document.get("openapi").and_then(Value::as_str).is_none() {
        return Err(ImportError::new(
            name,
            "not an OpenAPI document (no `openapi` version field)",
        ));
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_documents_under_their_headings() {
        let page = "# Page\n\n## POST /a\n\n```json\n{\"openapi\":\"3.0.1\",\"paths\":{}}\n```\n\n\
                    ## GET /b\n\n```\n{\"not\": \"openapi\"}\n```\n\n```json\n{\"openapi\":\"3.0.1\"}\n```\n";
        let docs = embedded_documents("page.md", page).unwrap();
        let headings: Vec<_> = docs.iter().map(|d| d.heading.as_str()).collect();
        assert_eq!(headings, ["POST /a", "GET /b"]);
    }

    #[test]
    fn names_the_document_and_heading_of_broken_json() {
        let page = "## POST /a\n\n```json\n{\"openapi\": \"3.0.1\",}\n```\n";
        let err = embedded_documents("page.md", page).unwrap_err().to_string();
        assert!(
            err.starts_with("page.md: the OpenAPI document under \"POST /a\" is not valid JSON"),
            "{err}"
        );
    }

    #[test]
    fn a_page_without_documents_is_an_error() {
        let err = embedded_documents("page.md", "# nothing here\n").unwrap_err();
        assert_eq!(err.problem, "no embedded OpenAPI document found in the page");
    }
}
