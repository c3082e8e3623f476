//! TLS to PostgreSQL, with libpq's `sslmode` and `sslrootcert` read from the
//! URL as libpq reads them, over rustls (the one TLS stack of the project).
//!
//! tokio-postgres knows `disable`, `prefer` and `require` only, and neither
//! verifies a certificate. So the two parameters are taken out of the URL
//! here, tokio-postgres is told whether to ask for TLS, and the rustls
//! configuration decides what a certificate must prove:
//!
//! | sslmode | TLS | certificate |
//! |---|---|---|
//! | `disable` | never | - |
//! | `prefer` (default) | if the server offers it | not checked |
//! | `require` | always | not checked; checked as `verify-ca` when `sslrootcert` is given (as libpq does) |
//! | `verify-ca` | always | signed by a trusted root |
//! | `verify-full` | always | signed by a trusted root, and names the host |
//!
//! Trusted roots are the PEM file `sslrootcert` names, or the system's
//! roots when it is absent or `system`.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode` values that smsgate supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, String> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "unsupported sslmode `{other}`: expected disable, prefer, require, verify-ca or verify-full"
                ));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the trusted roots come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    System,
    File(PathBuf),
}

/// The URL's TLS settings, and the URL without them (for tokio-postgres).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: SslMode,
    pub roots: Roots,
    /// Whether the certificate is checked at all, and against the host name.
    pub verify: Verify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    Nothing,
    Chain,
    ChainAndName,
}

impl TlsSettings {
    /// Takes `sslmode` and `sslrootcert` out of a `postgres://` URL's query.
    /// Returns the settings and the URL that tokio-postgres is to read.
    pub fn from_url(url: &str) -> Result<(TlsSettings, String), String> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut mode = SslMode::Prefer;
        let mut root_cert = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded = || {
                percent_encoding::percent_decode_str(value)
                    .decode_utf8()
                    .map_err(|_| format!("the database URL's `{key}` is not UTF-8 once decoded"))
            };
            match key {
                "sslmode" => mode = SslMode::parse(&decoded()?)?,
                "sslrootcert" => root_cert = Some(decoded()?.into_owned()),
                _ => kept.push(pair),
            }
        }
        let roots = match root_cert.as_deref() {
            None | Some("system") => Roots::System,
            Some(path) => Roots::File(PathBuf::from(path)),
        };
        let verify = match (mode, &roots) {
            (SslMode::Disable | SslMode::Prefer, _) | (SslMode::Require, Roots::System) => Verify::Nothing,
            (SslMode::Require, Roots::File(_)) | (SslMode::VerifyCa, _) => Verify::Chain,
            (SslMode::VerifyFull, _) => Verify::ChainAndName,
        };
        // What tokio-postgres is to do: ask for TLS or not (it verifies nothing).
        kept.push(match mode {
            SslMode::Disable => "sslmode=disable",
            SslMode::Prefer => "sslmode=prefer",
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => "sslmode=require",
        });
        let url = format!("{base}?{}", kept.join("&"));
        Ok((TlsSettings { mode, roots, verify }, url))
    }

    /// What to say of the settings in an error: which mode, which roots.
    pub fn describe(&self) -> String {
        match (&self.verify, &self.roots) {
            (Verify::Nothing, _) => format!("sslmode={}", self.mode.as_str()),
            (_, Roots::System) => format!("sslmode={} with the system's roots", self.mode.as_str()),
            (_, Roots::File(path)) => format!("sslmode={} with the roots in {}", self.mode.as_str(), path.display()),
        }
    }

    /// The connector tokio-postgres uses for every connection of the pool.
    pub fn connector(&self) -> Result<MakeRustlsConnect, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let chain = match self.verify {
            Verify::Nothing => None,
            Verify::Chain | Verify::ChainAndName => Some(self.webpki(&provider)?),
        };
        let check = CertificateCheck {
            provider: provider.clone(),
            chain,
            check_name: self.verify == Verify::ChainAndName,
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| format!("no TLS protocol version available: {error}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(check))
            .with_no_client_auth();
        Ok(MakeRustlsConnect::new(config))
    }

    fn webpki(&self, provider: &Arc<CryptoProvider>) -> Result<Arc<WebPkiServerVerifier>, String> {
        let mut roots = RootCertStore::empty();
        match &self.roots {
            Roots::System => {
                let found = rustls_native_certs::load_native_certs();
                let (added, _ignored) = roots.add_parsable_certificates(found.certs);
                if added == 0 {
                    return Err(format!(
                        "sslmode={} needs trusted roots, and none were found on this system: \
                         give sslrootcert=FILE in the URL",
                        self.mode.as_str()
                    ));
                }
            }
            Roots::File(path) => {
                let certificates = CertificateDer::pem_file_iter(path)
                    .and_then(|found| found.collect::<Result<Vec<_>, _>>())
                    .map_err(|error| format!("cannot read sslrootcert {}: {error}", path.display()))?;
                let (added, _ignored) = roots.add_parsable_certificates(certificates);
                if added == 0 {
                    return Err(format!(
                        "sslrootcert {} holds no certificate: expected PEM `BEGIN CERTIFICATE` blocks",
                        path.display()
                    ));
                }
            }
        }
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|error| format!("cannot use the trusted roots: {error}"))
    }
}

/// What the server's certificate must prove: nothing (`prefer`, and
/// `require` without roots: encrypted, but whoever answers is trusted, as
/// libpq does), a chain to a trusted root (`verify-ca`), or that and the
/// host name (`verify-full`). The handshake's signatures are checked in
/// every mode. webpki checks the chain before the name, so a name error
/// means the chain held.
#[derive(Debug)]
struct CertificateCheck {
    provider: Arc<CryptoProvider>,
    /// The roots the chain must lead to; `None`: the chain is not checked.
    chain: Option<Arc<WebPkiServerVerifier>>,
    check_name: bool,
}

impl ServerCertVerifier for CertificateCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            verified => verified,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssl_parameters_leave_the_url_and_set_the_verification() {
        let (settings, url) = TlsSettings::from_url(
            "postgres://u@db.example/app?application_name=x&sslmode=verify-full&sslrootcert=%2Fetc%2Froot.pem",
        )
        .unwrap();
        assert_eq!(url, "postgres://u@db.example/app?application_name=x&sslmode=require");
        assert_eq!(settings.mode, SslMode::VerifyFull);
        assert_eq!(settings.roots, Roots::File("/etc/root.pem".into()));
        assert_eq!(settings.verify, Verify::ChainAndName);
    }

    #[test]
    fn libpq_defaults_hold() {
        let (settings, url) = TlsSettings::from_url("postgres://u@h/db").unwrap();
        assert_eq!((settings.mode, settings.verify), (SslMode::Prefer, Verify::Nothing));
        assert_eq!(url, "postgres://u@h/db?sslmode=prefer");
        let (settings, _) = TlsSettings::from_url("postgres://u@h/db?sslmode=require").unwrap();
        assert_eq!(settings.verify, Verify::Nothing);
        let (settings, _) = TlsSettings::from_url("postgres://u@h/db?sslmode=require&sslrootcert=/r.pem").unwrap();
        assert_eq!(
            settings.verify,
            Verify::Chain,
            "require with a root file verifies like verify-ca"
        );
        let (settings, _) = TlsSettings::from_url("postgres://u@h/db?sslmode=verify-ca&sslrootcert=system").unwrap();
        assert_eq!((settings.roots, settings.verify), (Roots::System, Verify::Chain));
        let (settings, url) = TlsSettings::from_url("postgres://u@h/db?sslmode=disable").unwrap();
        assert_eq!(
            (settings.mode, url.as_str()),
            (SslMode::Disable, "postgres://u@h/db?sslmode=disable")
        );
    }

    #[test]
    fn an_unknown_sslmode_says_what_is_expected() {
        let error = TlsSettings::from_url("postgres://u@h/db?sslmode=allow").unwrap_err();
        assert!(error.contains("`allow`") && error.contains("verify-full"), "{error}");
    }
}
