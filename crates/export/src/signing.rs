//! Standard Webhooks signatures, made by the `standardwebhooks` crate (the
//! scheme's own library) rather than by HMAC plumbing of our own: `v1,` and
//! the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, keyed with the
//! decoded `whsec_` secret. The key never shows in `Debug` output or errors.

use std::sync::Arc;

use standardwebhooks::Webhook;

/// Signs webhook deliveries with one export's secret.
#[derive(Clone)]
pub struct Signer(Arc<Webhook>);

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(REDACTED)")
    }
}

/// The prefix of a Standard Webhooks secret.
const PREFIX: &str = "whsec_";

impl Signer {
    /// A signer for `secret` (`whsec_` and the base64 of the key), or why
    /// it cannot be one (never repeating the secret).
    pub fn new(secret: &str) -> Result<Signer, String> {
        let Some(key) = secret.trim().strip_prefix(PREFIX) else {
            return Err(format!(
                "it does not start with {PREFIX}: a Standard Webhooks secret is {PREFIX} and the key in base64"
            ));
        };
        if key.is_empty() {
            return Err(format!("it holds no key after {PREFIX}"));
        }
        let webhook = Webhook::new(key).map_err(|_| format!("the key after {PREFIX} is not base64"))?;
        Ok(Signer(Arc::new(webhook)))
    }

    /// The `webhook-signature` header of `body` sent as `id` at `timestamp`
    /// (Unix seconds).
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        self.0
            .sign(id, timestamp, body.as_bytes())
            .expect("a UTF-8 body always signs")
    }
}

#[cfg(test)]
mod tests {
    use super::Signer;

    #[test]
    fn signs_the_scheme_s_published_example() {
        // The example of the Standard Webhooks specification.
        let signer = Signer::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signer.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    /// What the README shows a receiving service doing.
    #[test]
    fn a_receiver_verifies_a_delivery_with_the_scheme_s_library() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"type":"message.status","timestamp":"2026-12-05T21:55:27.971Z","data":{}}"#;
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let mut headers = http::HeaderMap::new();
        headers.insert("webhook-id", "evt_1".parse().unwrap());
        headers.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
        let signature = Signer::new(secret).unwrap().sign("evt_1", timestamp, body);
        headers.insert("webhook-signature", signature.parse().unwrap());
        let webhook = standardwebhooks::Webhook::new(secret).unwrap();
        webhook.verify(body.as_bytes(), &headers).unwrap();
        let tampered = body.replace("status", "inbound");
        assert!(webhook.verify(tampered.as_bytes(), &headers).is_err());
    }

    #[test]
    fn refuses_secrets_without_the_prefix_or_key() {
        assert!(
            Signer::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
                .unwrap_err()
                .contains("whsec_")
        );
        assert!(Signer::new("whsec_").unwrap_err().contains("no key"));
        assert!(Signer::new("whsec_%%%").unwrap_err().contains("not base64"));
    }
}
