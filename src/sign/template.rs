//! What goes into a new certificate, and how `kubeadm certs renew` derives it from the old one.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use rcgen::ExtendedKeyUsagePurpose;
use x509_parser::der_parser::asn1_rs::{FromDer, Oid};
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::OID_X509_EXT_EXTENDED_KEY_USAGE;
use x509_parser::prelude::X509Certificate;

use super::{SignError, Subject};
use crate::pki::decode::{certificate, ip_addr};

/// The parts of a certificate kubeadm decides; everything else (key usage, basic constraints,
/// key identifiers, serial, signature algorithm) follows from `is_ca`, the keys and the issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertTemplate {
    pub subject: Subject,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<IpAddr>,
    /// Extended key usages in the order they are written (usually server auth and/or client auth).
    pub usages: Vec<ExtendedKeyUsagePurpose>,
    pub is_ca: bool,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

impl CertTemplate {
    /// A leaf with no SANs and no extended key usages yet.
    pub fn new(subject: Subject, not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> Self {
        CertTemplate {
            subject,
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            usages: Vec::new(),
            is_ca: false,
            not_before,
            not_after,
        }
    }

    /// A template that reissues `cert_der` the way `kubeadm certs renew` does (`certToConfig`):
    /// same subject (every attribute, order and string types preserved), DNS and IP SANs and
    /// extended key usages; new validity. URI/email SANs and other extensions are dropped, as
    /// kubeadm drops them. A CA stays a CA (kubeadm itself never renews CAs).
    pub fn renewal_of(
        cert_der: &[u8],
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
    ) -> Result<Self, SignError> {
        let cert = certificate(cert_der)?;
        let mut template =
            CertTemplate::new(Subject::from_x509(cert.subject())?, not_before, not_after);
        template.is_ca = cert.is_ca();
        template.usages = extended_key_usages(&cert)?;
        let sans = cert
            .subject_alternative_name()
            .map_err(|e| SignError::BadCertificate(e.to_string()))?;
        for name in sans.iter().flat_map(|ext| ext.value.general_names.iter()) {
            match name {
                GeneralName::DNSName(dns) => template.dns_names.push(dns.to_string()),
                GeneralName::IPAddress(bytes) => {
                    template.ip_addresses.push(ip_addr(bytes).ok_or_else(|| {
                        SignError::BadCertificate(format!("IP SAN of {} bytes", bytes.len()))
                    })?)
                }
                _ => {}
            }
        }
        Ok(template)
    }
}

/// Extended key usages in certificate order (x509-parser's parsed form loses the order).
fn extended_key_usages(
    cert: &X509Certificate<'_>,
) -> Result<Vec<ExtendedKeyUsagePurpose>, SignError> {
    let Some(ext) = cert
        .get_extension_unique(&OID_X509_EXT_EXTENDED_KEY_USAGE)
        .map_err(bad)?
    else {
        return Ok(Vec::new());
    };
    let (_, oids) = <Vec<Oid>>::from_der(ext.value).map_err(bad)?;
    oids.iter()
        .map(|oid| {
            let arcs: Vec<u64> = oid
                .iter()
                .ok_or_else(|| SignError::BadCertificate(format!("extended key usage {oid}")))?
                .collect();
            Ok(match arcs.as_slice() {
                [2, 5, 29, 37, 0] => ExtendedKeyUsagePurpose::Any,
                [1, 3, 6, 1, 5, 5, 7, 3, 1] => ExtendedKeyUsagePurpose::ServerAuth,
                [1, 3, 6, 1, 5, 5, 7, 3, 2] => ExtendedKeyUsagePurpose::ClientAuth,
                [1, 3, 6, 1, 5, 5, 7, 3, 3] => ExtendedKeyUsagePurpose::CodeSigning,
                [1, 3, 6, 1, 5, 5, 7, 3, 4] => ExtendedKeyUsagePurpose::EmailProtection,
                [1, 3, 6, 1, 5, 5, 7, 3, 8] => ExtendedKeyUsagePurpose::TimeStamping,
                [1, 3, 6, 1, 5, 5, 7, 3, 9] => ExtendedKeyUsagePurpose::OcspSigning,
                _ => ExtendedKeyUsagePurpose::Other(arcs),
            })
        })
        .collect()
}

fn bad(err: impl std::fmt::Display) -> SignError {
    SignError::BadCertificate(err.to_string())
}
