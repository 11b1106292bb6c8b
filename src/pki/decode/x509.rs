//! One DER certificate: parsing with the error in words, and the fields every reader needs
//! written one way (times, SANs, names, algorithm names, fingerprints).

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
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
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
/// The registry is built once: building it per certificate was a tenth of a 10,000-file scan.
pub fn algorithm_name(oid: &Oid<'_>) -> String {
    static REGISTRY: std::sync::LazyLock<x509_parser::oid_registry::OidRegistry<'static>> =
        std::sync::LazyLock::new(|| {
            x509_parser::oid_registry::OidRegistry::default().with_crypto()
        });
    REGISTRY
        .get(oid)
        .map(|e| e.sn().to_string())
        .unwrap_or_else(|| oid.to_id_string())
}
