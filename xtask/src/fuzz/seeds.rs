//! The fuzz targets and their seeds, taken from the providers' documents.
//!
//! A target's seeds are the documented examples of what its parser reads:
//! the `example`s of the route's request body in the effective spec, the
//! JSON code blocks of the provider's pages (SmartHive's example with its
//! trailing comma, the One API skeleton), and, since Clickatell documents
//! most callbacks only by schema, one instance of the documented schema with
//! every field filled by a placeholder of its type (the way ClearLine's page
//! shows its bodies), so the fuzzer starts from every documented field name.
//! They are written afresh before each run (`fuzz/seeds/<target>/`), so they
//! follow the documents; what the fuzzer finds goes to `fuzz/corpus/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::{Map, Value, json};
use smsgate_doc_examples::{code_blocks, example_object_value, find_examples};

use crate::apis::{APIS, Source};

/// What a target's parser reads.
#[derive(Debug, Clone, Copy)]
pub enum Feed {
    /// Any JSON: every documented JSON example.
    Json,
    /// POST bodies of one callback route: (api id, path).
    Body(&'static str, &'static str),
    /// Query strings of GET callbacks: (api id, paths).
    Query(&'static str, &'static [&'static str]),
}

/// A cargo-fuzz target: `fuzz/fuzz_targets/<name>.rs`.
#[derive(Debug)]
pub struct Target {
    pub name: &'static str,
    pub feed: Feed,
}

const SMS: &str = "clickatell-sms-callbacks";
const ONE_API: &str = "clickatell-one-api-callbacks";

pub const TARGETS: &[Target] = &[
    Target {
        name: "lenient",
        feed: Feed::Json,
    },
    Target {
        name: "sms_status",
        feed: Feed::Body(SMS, "/client-callback/sms-status"),
    },
    Target {
        name: "sms_reply",
        feed: Feed::Body(SMS, "/client-callback/sms-reply"),
    },
    Target {
        name: "one_api_status",
        feed: Feed::Body(ONE_API, "/client-callback/one-api-status"),
    },
    Target {
        name: "one_api_reply",
        feed: Feed::Body(ONE_API, "/client-callback/one-api-reply"),
    },
    Target {
        name: "smarthive_status",
        feed: Feed::Body("smarthive-callbacks", "/client-callback/smarthive-status"),
    },
    Target {
        name: "clearline_status",
        feed: Feed::Body("clearline-callbacks", "/client-callback/clearline-status"),
    },
    Target {
        name: "query_form",
        feed: Feed::Query(SMS, &["/client-callback/sms-status", "/client-callback/sms-reply"]),
    },
];

/// The seeds of `feed`, each once, in a stable order.
pub fn seeds(root: &Path, feed: Feed) -> anyhow::Result<BTreeSet<Vec<u8>>> {
    let mut seeds = BTreeSet::new();
    match feed {
        Feed::Json => {
            // Every example of every spec and page (the send APIs' too), and
            // every callback route's body seeds.
            for target in TARGETS {
                if let Feed::Body(api, path) = target.feed {
                    seeds.extend(body_seeds(root, api, path)?);
                }
            }
            for api in APIS {
                let doc = spec(root, api.id)?;
                seeds.extend(
                    find_examples(&doc)
                        .iter()
                        .map(|(at, raw)| to_json(&resolve(&doc, at, raw))),
                );
                seeds.extend(page_json(root, api.source)?);
            }
        }
        Feed::Body(api, path) => seeds.extend(body_seeds(root, api, path)?),
        Feed::Query(api, paths) => {
            let doc = spec(root, api)?;
            for path in paths {
                let parameters = doc["paths"][path]["get"]["parameters"].as_array().into_iter().flatten();
                let documented: Vec<(String, String)> = parameters
                    .filter_map(|p| {
                        Some((
                            p["name"].as_str()?.to_string(),
                            scalar_text(&instance(&doc, &p["schema"], 0)),
                        ))
                    })
                    .collect();
                seeds.insert(query(documented).into_bytes());
                // The same callbacks' documented bodies, sent as queries.
                for body in body_seeds(root, api, path)? {
                    if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) {
                        seeds.insert(query(fields.into_iter().map(|(k, v)| (k, scalar_text(&v)))).into_bytes());
                    }
                }
            }
        }
    }
    Ok(seeds)
}

fn body_seeds(root: &Path, api_id: &str, path: &str) -> anyhow::Result<BTreeSet<Vec<u8>>> {
    let api = APIS
        .iter()
        .find(|a| a.id == api_id)
        .context("an api of the targets table")?;
    let doc = spec(root, api_id)?;
    let post = &doc["paths"][path]["post"];
    anyhow::ensure!(post.is_object(), "openapi/{api_id}.json has no POST {path}");
    let mut seeds: BTreeSet<Vec<u8>> = find_examples(&post["requestBody"])
        .iter()
        .map(|(at, raw)| to_json(&resolve(&doc, at, raw)))
        .collect();
    let content = post["requestBody"]["content"].as_object().into_iter().flatten();
    seeds.extend(content.map(|(_, media)| to_json(&instance(&doc, &media["schema"], 0))));
    seeds.extend(page_json(root, api.source)?);
    Ok(seeds)
}

fn spec(root: &Path, api: &str) -> anyhow::Result<Value> {
    let path = root.join(format!("openapi/{api}.json"));
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// A found example's value: an `examples.<name>` entry is an Example Object.
fn resolve<'a>(doc: &Value, at: &[String], raw: &'a Value) -> std::borrow::Cow<'a, Value> {
    match at.iter().rev().nth(1).map(String::as_str) {
        Some("examples") => std::borrow::Cow::Owned(example_object_value(doc, raw).unwrap_or(Value::Null)),
        _ => std::borrow::Cow::Borrowed(raw),
    }
}

fn to_json(value: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).expect("a JSON value serialises")
}

/// The provider pages behind an api: its markdown page, or for a spec
/// hand-authored from prose, the pages in the same provider folder.
fn pages(root: &Path, source: Source) -> anyhow::Result<Vec<PathBuf>> {
    let upstream = root.join("openapi/upstream");
    Ok(match source {
        Source::MarkdownPage(page) => vec![upstream.join(page)],
        Source::OpenApi(spec) => {
            let folder = upstream.join(Path::new(spec).parent().unwrap_or(Path::new("")));
            let mut pages: Vec<PathBuf> = std::fs::read_dir(&folder)
                .with_context(|| format!("listing {}", folder.display()))?
                .map(|entry| entry.map(|e| e.path()))
                .collect::<Result<_, _>>()?;
            pages.retain(|p| p.extension().is_some_and(|e| e == "txt"));
            pages.sort();
            pages
        }
    })
}

/// The JSON code blocks of the api's pages, as published (not repaired),
/// except the embedded OpenAPI documents themselves.
fn page_json(root: &Path, source: Source) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut found = Vec::new();
    for page in pages(root, source)? {
        let text = std::fs::read_to_string(&page).with_context(|| format!("reading {}", page.display()))?;
        found.extend(
            code_blocks(&text)
                .iter()
                .filter_map(|block| block.json_text())
                .filter(|json| !json.contains("\"openapi\""))
                .map(|json| json.as_bytes().to_vec()),
        );
    }
    Ok(found)
}

/// Deep enough for every callback schema; stops a recursive one.
const MAX_DEPTH: usize = 8;

/// An instance of `schema` with every documented property, each a
/// placeholder of its type: the first enum value, else `"string"`, `0`,
/// `0.5` or `true`; arrays hold one item.
fn instance(doc: &Value, schema: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        return doc
            .pointer(reference.trim_start_matches('#'))
            .map_or(Value::Null, |target| instance(doc, target, depth + 1));
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.clone();
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(first) = schema[combinator].get(0) {
            return instance(doc, first, depth + 1);
        }
    }
    let kind = schema["type"]
        .as_str()
        .or_else(|| schema["properties"].is_object().then_some("object"));
    match kind {
        Some("object") => {
            let properties = schema["properties"].as_object().into_iter().flatten();
            Value::Object(
                properties
                    .map(|(name, property)| (name.clone(), instance(doc, property, depth + 1)))
                    .collect::<Map<_, _>>(),
            )
        }
        Some("array") => json!([instance(doc, &schema["items"], depth + 1)]),
        Some("integer") => json!(0),
        Some("number") => json!(0.5),
        Some("boolean") => json!(true),
        Some("string") => json!("string"),
        _ => Value::Null,
    }
}

/// A value as a query parameter's text.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn query(pairs: impl IntoIterator<Item = (String, String)>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace_root;

    fn seed_texts(feed: Feed) -> Vec<String> {
        seeds(&workspace_root(), feed)
            .unwrap()
            .into_iter()
            .map(|seed| String::from_utf8(seed).unwrap())
            .collect()
    }

    #[test]
    fn every_fuzz_target_is_in_the_table() {
        let dir = workspace_root().join("fuzz/fuzz_targets");
        let files: BTreeSet<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        let table: BTreeSet<String> = TARGETS.iter().map(|t| t.name.to_string()).collect();
        assert_eq!(files, table);
    }

    #[test]
    fn every_target_has_seeds() {
        for target in TARGETS {
            let seeds = seeds(&workspace_root(), target.feed).unwrap();
            assert!(!seeds.is_empty(), "{} has no seeds", target.name);
        }
    }

    #[test]
    fn smarthive_seeds_keep_the_published_trailing_comma() {
        let seeds = seed_texts(Feed::Body("smarthive-callbacks", "/client-callback/smarthive-status"));
        let published = seeds
            .iter()
            .find(|s| s.contains("\"DELIVERED\",\n}"))
            .expect("the page's example, verbatim");
        assert!(published.contains("jyd823-23n"), "{published}");
    }

    #[test]
    fn schema_instances_name_every_documented_field() {
        let seeds = seed_texts(Feed::Body(ONE_API, "/client-callback/one-api-reply"));
        let instance = seeds
            .iter()
            .find(|s| s.contains("moButtonResponse"))
            .expect("a schema instance");
        let value: Value = serde_json::from_str(instance).unwrap();
        for kind in [
            "moText",
            "moMedia",
            "moLocation",
            "moContacts",
            "moSuggestedResponse",
            "moListPickerResponse",
        ] {
            assert_eq!(value["event"][kind][0]["messageId"], "string", "{kind}: {instance}");
        }
    }

    #[test]
    fn query_seeds_carry_every_documented_get_parameter() {
        const PATH: &str = "/client-callback/sms-status";
        let doc = spec(&workspace_root(), SMS).unwrap();
        let documented: BTreeSet<&str> = doc["paths"][PATH]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(
            documented.contains("messageId") && documented.contains("statusCode"),
            "{documented:?}"
        );
        let seeds = seed_texts(Feed::Query(SMS, &[PATH]));
        let names = |seed: &String| -> BTreeSet<String> {
            form_urlencoded::parse(seed.as_bytes())
                .map(|(k, _)| k.into_owned())
                .collect()
        };
        let from_parameters = seeds
            .iter()
            .find(|seed| names(seed).iter().map(String::as_str).eq(documented.iter().copied()))
            .unwrap_or_else(|| panic!("no seed with exactly the documented parameters: {seeds:#?}"));
        assert!(from_parameters.contains("statusCode=0&"), "{from_parameters}");
    }

    #[test]
    fn query_pairs_are_encoded() {
        assert_eq!(query([("a b".into(), "x&y=z".into())]), "a+b=x%26y%3Dz");
        assert_eq!(scalar_text(&json!(4)), "4");
        assert_eq!(scalar_text(&json!("004")), "004");
    }
}
