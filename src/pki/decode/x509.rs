//! One DER certificate: parsing with the error in words, and the fields every reader needs
//! written one way (times, SANs, names, algorithm names, fingerprints).

use std::borrow::Cow;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use ring::digest;
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::oid::Oid;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::time::ASN1Time;
use x509_parser::x509::X509Name;

use super::DecodeError;
use crate::pki::format::hex;

/// Parse a DER certificate.
pub fn certificate(der: &[u8]) -> Result<X509Certificate<'_>, DecodeError> {
    match X509Certificate::from_der(der) {
        Ok((_, cert)) => Ok(cert),
        Err(x509_parser::nom::Err::Incomplete(_)) => Err(DecodeError::TruncatedCertificate),
        Err(x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e)) => {
            Err(DecodeError::Certificate(e.to_string()))
        }
    }
}

/// A certificate time as UTC; times chrono cannot hold read as the earliest instant.
pub fn time(t: ASN1Time) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `(notBefore, notAfter)`.
pub fn validity(cert: &X509Certificate<'_>) -> (DateTime<Utc>, DateTime<Utc>) {
    let v = cert.validity();
    (time(v.not_before), time(v.not_after))
}

/// Lower-case hex SHA-256 of some bytes: the identity of a certificate, file or key.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::of(bytes).to_string()
}

/// A SHA-256 digest, kept as its 32 bytes and written as lower-case hex only where it is
/// shown: an inventory holds two per certificate, and 64-character strings were a tenth of it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Sha256(pub [u8; 32]);

impl Sha256 {
    pub fn of(bytes: &[u8]) -> Self {
        let mut out = [0u8; 32];
        out.copy_from_slice(digest::digest(&digest::SHA256, bytes).as_ref());
        Sha256(out)
    }

    /// From the 64 hex digits a report carries.
    pub fn from_hex(hex: &str) -> Option<Self> {
        crate::pki::format::unhex(hex)?.try_into().ok().map(Sha256)
    }
}

impl std::fmt::Display for Sha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = [0u8; 64];
        for (pair, &b) in buf.chunks_exact_mut(2).zip(&self.0) {
            pair.copy_from_slice(&crate::pki::format::hex_pair(b));
        }
        // Only ASCII hex digits were written.
        f.write_str(std::str::from_utf8(&buf).unwrap_or_default())
    }
}

impl std::fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Sha256 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Compared with the hex that journals, served certificates and reports carry.
impl PartialEq<str> for Sha256 {
    fn eq(&self, other: &str) -> bool {
        Sha256::from_hex(other) == Some(*self)
    }
}

impl PartialEq<&str> for Sha256 {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl PartialEq<String> for Sha256 {
    fn eq(&self, other: &String) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Sha256> for String {
    fn eq(&self, other: &Sha256) -> bool {
        other == self.as_str()
    }
}

impl PartialEq<Sha256> for str {
    fn eq(&self, other: &Sha256) -> bool {
        other == self
    }
}

/// An IP SAN's bytes as an address; `None` when they are neither 4 nor 16 bytes long.
pub fn ip_addr(b: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(b) {
        return Some(IpAddr::from(v4));
    }
    <[u8; 16]>::try_from(b).ok().map(IpAddr::from)
}

/// A SAN the way `openssl x509 -text` writes it: `DNS:a`, `IP:10.0.0.1`, `email:`, `URI:`;
/// other kinds in x509-parser's words, so that nothing a certificate carries is hidden.
pub fn san(g: &GeneralName<'_>) -> String {
    match g {
        GeneralName::DNSName(d) => format!("DNS:{d}"),
        GeneralName::IPAddress(b) => match ip_addr(b) {
            Some(a) => format!("IP:{a}"),
            None => format!("IP:{}", hex(b)),
        },
        GeneralName::RFC822Name(e) => format!("email:{e}"),
        GeneralName::URI(u) => format!("URI:{u}"),
        other => other.to_string(),
    }
}

/// Every SAN of a certificate, in certificate order.
pub fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    match cert.subject_alternative_name() {
        Ok(Some(ext)) => ext.value.general_names.iter().map(san).collect(),
        _ => Vec::new(),
    }
}

/// The common name and organizations of a name (CSR rules and renewal need both).
pub fn name_attrs(name: &X509Name<'_>) -> (Option<String>, Vec<String>) {
    let cn = name
        .iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .map(str::to_string);
    let orgs = name
        .iter_organization()
        .filter_map(|a| a.as_str().ok())
        .map(str::to_string)
        .collect();
    (cn, orgs)
}

/// The short name of an algorithm OID (`sha256WithRSAEncryption`), else its dotted form.
/// The names are looked up once (building the registry per certificate was a tenth of a
/// 10,000-file scan), by the OID's bytes, and known names are borrowed, never copied.
pub fn algorithm_name(oid: &Oid<'_>) -> Cow<'static, str> {
    static NAMES: std::sync::LazyLock<std::collections::HashMap<Vec<u8>, &'static str>> =
        std::sync::LazyLock::new(|| {
            let registry: &'static _ = Box::leak(Box::new(
                x509_parser::oid_registry::OidRegistry::default().with_crypto(),
            ));
            registry
                .iter()
                .map(|(oid, entry)| (oid.as_bytes().to_vec(), entry.sn()))
                .collect()
        });
    match NAMES.get(oid.as_bytes()) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(oid.to_id_string()),
    }
}
