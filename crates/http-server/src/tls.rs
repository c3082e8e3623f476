//! HTTPS for a listener: the certificate chain and key as PEM files, read
//! at start and again whenever the operator asks (SIGHUP), so that a renewed
//! certificate is served without dropping a connection.
//!
//! The files are turned into a rustls configuration here, not by dropshot:
//! dropshot panics on a key that does not match its certificate, and a
//! reload must be able to fail with a message while the server keeps the
//! certificate it has.

use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Where a listener's certificate chain and private key are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM: the server's certificate first, then any intermediates.
    pub cert: PathBuf,
    /// PEM: the private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why the certificate or key could not be used; the server keeps serving
/// what it had, if anything.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate chain {path}: {message}")]
    Certificates { path: PathBuf, message: String },
    #[error("the TLS certificate file {0} holds no certificate: expected PEM `BEGIN CERTIFICATE` blocks")]
    NoCertificate(PathBuf),
    #[error("cannot read the TLS private key {path}: {message}")]
    Key { path: PathBuf, message: String },
    #[error("the TLS certificate {cert} and key {key} do not go together: {message}")]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        message: String,
    },
}

impl TlsFiles {
    /// Reads both files and checks that the key belongs to the certificate.
    pub fn load(&self) -> Result<rustls::ServerConfig, TlsError> {
        let certificates = read_certificates(&self.cert)?;
        let key = PrivateKeyDer::from_pem_file(&self.key).map_err(|error| TlsError::Key {
            path: self.key.clone(),
            message: error.to_string(),
        })?;
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certificates, key)
            .map_err(|error| TlsError::Mismatch {
                cert: self.cert.clone(),
                key: self.key.clone(),
                message: error.to_string(),
            })?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(|found| found.collect::<Result<Vec<_>, _>>())
        .map_err(|error| TlsError::Certificates {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
    if certificates.is_empty() {
        return Err(TlsError::NoCertificate(path.to_path_buf()));
    }
    Ok(certificates)
}
