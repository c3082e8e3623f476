//! What `POST /v1/outbound` checks before a message is stored: the number,
//! the text, the route (named, or the longest matching prefix), the
//! idempotency key; and what it stores: an id, the segment count, a digest
//! of the request (to tell a repeat from another request under the same
//! key), and `rejected` at once for a text no provider takes.

use sha2::{Digest, Sha256};
use smsgate_normalize::segments;
use smsgate_normalize::views::OutboundRequest;
use smsgate_store::outbox::NewOutbound;

use crate::config::{RouteConfig, SendingConfig};

/// The most parts a text may take: longer texts are rejected (providers
/// refuse them or cut them).
pub const MAX_SEGMENTS: u32 = 10;

/// The `error` of a message to an opted-out number (a contract).
pub const OPTED_OUT: &str = "opted_out";

/// The longest idempotency key, reference and sender taken.
const MAX_KEY: usize = 255;
const MAX_REFERENCE: usize = 255;
const MAX_FROM: usize = 16;

/// A request that cannot be stored; the message says what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

/// Whether `number` is E.164: `+` and 8 to 15 digits.
pub fn is_e164(number: &str) -> bool {
    number
        .strip_prefix('+')
        .is_some_and(|digits| (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
}

impl SendingConfig {
    /// The route for `to`: the one named, else the one with the longest
    /// prefix of `to`, else the one without prefixes.
    pub fn route_for(&self, to: &str, named: Option<&str>) -> Result<&RouteConfig, BadRequest> {
        if let Some(name) = named {
            return self.routes.iter().find(|r| r.name == name).ok_or_else(|| {
                let known: Vec<&str> = self.routes.iter().map(|r| r.name.as_str()).collect();
                BadRequest(format!("unknown route `{name}`: configured are {}", known.join(", ")))
            });
        }
        let by_prefix = self
            .routes
            .iter()
            .flat_map(|route| route.prefixes.iter().map(move |prefix| (prefix, route)))
            .filter(|(prefix, _)| to.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, route)| route);
        by_prefix
            .or_else(|| self.routes.iter().find(|r| r.prefixes.is_empty()))
            .ok_or_else(|| {
                BadRequest(format!(
                    "no route takes {to}: add a route with its prefix, or one without prefixes for every other number"
                ))
            })
    }

    /// Checks `request` and makes the message to store, under `id`, at
    /// `now` (milliseconds since the epoch).
    pub fn intake(
        &self,
        request: &OutboundRequest,
        idempotency_key: Option<&str>,
        id: String,
        now: i64,
    ) -> Result<NewOutbound, BadRequest> {
        if !is_e164(&request.to) {
            return Err(BadRequest(format!(
                "`to` is `{}`: expected an E.164 number, `+` and 8 to 15 digits (e.g. +27820000001)",
                request.to
            )));
        }
        if request.text.trim().is_empty() {
            return Err(BadRequest("`text` is empty: expected the message to send".into()));
        }
        if let Some(from) = &request.from
            && (from.is_empty() || from.chars().count() > MAX_FROM)
        {
            return Err(BadRequest(format!(
                "`from` is `{from}`: expected a sender number or name of 1 to {MAX_FROM} characters"
            )));
        }
        if request.reference.as_ref().is_some_and(|r| r.len() > MAX_REFERENCE) {
            return Err(BadRequest(format!("`reference` is longer than {MAX_REFERENCE} bytes")));
        }
        if let Some(key) = idempotency_key
            && (key.is_empty() || key.len() > MAX_KEY || !key.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
        {
            return Err(BadRequest(format!(
                "the Idempotency-Key header must be 1 to {MAX_KEY} visible ASCII characters"
            )));
        }
        let route = self.route_for(&request.to, request.route.as_deref())?;
        let segments = segments::count(&request.text);
        let rejected = (segments.parts > MAX_SEGMENTS).then(|| {
            format!(
                "the text takes {} SMS parts ({} {}); at most {MAX_SEGMENTS} are sent",
                segments.parts,
                segments.units,
                if segments.gsm {
                    "GSM 03.38 characters"
                } else {
                    "UCS-2 characters"
                },
            )
        });
        Ok(NewOutbound {
            id,
            to: request.to.clone(),
            from: request.from.clone(),
            text: request.text.clone(),
            reference: request.reference.clone(),
            route: route.name.clone(),
            segments: segments.parts,
            idempotency_key: idempotency_key.map(str::to_string),
            request_hash: digest(request),
            created_at: now,
            rejected,
        })
    }
}

/// A new outbound id: `ob_` and 128 random bits in hex.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("ob_{hex}")
}

/// SHA-256 of the request's fields, in hex.
fn digest(request: &OutboundRequest) -> String {
    let canonical = serde_json::to_vec(&(
        &request.to,
        &request.text,
        &request.from,
        &request.reference,
        &request.route,
    ))
    .expect("strings serialize");
    Sha256::digest(canonical).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::OnUncertain;

    fn config() -> SendingConfig {
        let route = |name: &str, prefixes: &[&str]| RouteConfig {
            name: name.into(),
            prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
            providers: vec!["p".into()],
            on_uncertain: OnUncertain::Hold,
            reroute_on: Vec::new(),
            weights: Vec::new(),
        };
        SendingConfig {
            providers: Default::default(),
            routes: vec![
                route("za", &["+27"]),
                route("za-mobile", &["+2782", "+2783"]),
                route("rest", &[]),
            ],
        }
    }

    fn request(to: &str, text: &str) -> OutboundRequest {
        OutboundRequest {
            to: to.into(),
            text: text.into(),
            from: None,
            reference: None,
            route: None,
        }
    }

    #[test]
    fn the_longest_prefix_wins_and_the_catch_all_takes_the_rest() {
        let config = config();
        assert_eq!(config.route_for("+27820000001", None).unwrap().name, "za-mobile");
        assert_eq!(config.route_for("+27210000001", None).unwrap().name, "za");
        assert_eq!(config.route_for("+447700900001", None).unwrap().name, "rest");
        assert_eq!(config.route_for("+27820000001", Some("rest")).unwrap().name, "rest");
        let unknown = config.route_for("+27820000001", Some("eu")).unwrap_err();
        assert_eq!(unknown.0, "unknown route `eu`: configured are za, za-mobile, rest");
    }

    #[test]
    fn bad_requests_say_what_is_expected() {
        let config = config();
        let intake = |r: &OutboundRequest, key: Option<&str>| config.intake(r, key, "ob_1".into(), 1);
        for bad in ["27820000001", "+2782", "+27 82 000 0001", "+1234567890123456"] {
            let error = intake(&request(bad, "hi"), None).unwrap_err();
            assert!(error.0.contains("expected an E.164 number"), "{bad}: {error}");
        }
        assert!(
            intake(&request("+27820000001", " "), None)
                .unwrap_err()
                .0
                .contains("`text` is empty")
        );
        assert!(intake(&request("+27820000001", "hi"), Some("")).is_err());
        let message = intake(&request("+27820000001", "hi"), Some("k-1")).unwrap();
        assert_eq!((message.route.as_str(), message.segments), ("za-mobile", 1));
        assert_eq!(message.rejected, None);
    }

    #[test]
    fn a_text_over_the_limit_is_stored_rejected_with_the_reason() {
        let long = "a".repeat(153 * 10 + 1);
        let message = config()
            .intake(&request("+27820000001", &long), None, "ob_1".into(), 1)
            .unwrap();
        assert_eq!(message.segments, 11);
        assert_eq!(
            message.rejected.as_deref(),
            Some("the text takes 11 SMS parts (1531 GSM 03.38 characters); at most 10 are sent")
        );
    }

    #[test]
    fn the_digest_tells_requests_apart() {
        let a = request("+27820000001", "hi");
        let mut b = a.clone();
        b.reference = Some("r".into());
        assert_eq!(digest(&a), digest(&a.clone()));
        assert_ne!(digest(&a), digest(&b));
        assert!(new_id().starts_with("ob_") && new_id().len() == 35 && new_id() != new_id());
    }
}
