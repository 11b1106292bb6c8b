//! One PKCS#10 certificate request (a `*.csr` file, or a CSR object's `spec.request`) into
//! plain data, so that rules and views never touch parser lifetimes.

use std::net::IpAddr;

use serde::Serialize;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use super::bundle::first_block;
use super::pem::BlockKind;
use super::x509::{algorithm_name, ip_addr, name_attrs, san};
use super::DecodeError;
use crate::pki::keys::spki_info;
use crate::pki::KeyAlgorithm;

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecodedRequest {
    /// `O=system:nodes, CN=system:node:w1`, in the order openssl prints.
    pub subject: String,
    pub common_name: Option<String>,
    pub organizations: Vec<String>,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<IpAddr>,
    /// Email, URI and other SANs: no in-tree signer accepts them, so rules flag them.
    pub other_sans: Vec<String>,
    pub key_algorithm: KeyAlgorithm,
    /// Fingerprint of the public key, to pair a request on disk with its key and certificate.
    #[serde(skip)]
    pub public_key_id: Option<[u8; 32]>,
    pub signature_algorithm: String,
    /// `Err` when the request's self-signature does not verify: whoever sent it does not
    /// hold the private key, or the bytes were altered.
    #[serde(serialize_with = "ser_signature")]
    pub signature: Result<(), DecodeError>,
}

fn ser_signature<S: serde::Serializer>(
    r: &Result<(), DecodeError>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(None)?;
    m.serialize_entry("valid", &r.is_ok())?;
    if let Err(e) = r {
        m.serialize_entry("error", e)?;
    }
    m.end()
}

impl DecodedRequest {
    /// `DNS:a`, `IP:1.2.3.4`, then the others, the way `openssl req -text` lists them.
    pub fn sans(&self) -> Vec<String> {
        self.dns_names
            .iter()
            .map(|d| format!("DNS:{d}"))
            .chain(self.ip_addresses.iter().map(|i| format!("IP:{i}")))
            .chain(self.other_sans.iter().cloned())
            .collect()
    }
}

/// Decode a request given as PEM (`CERTIFICATE REQUEST`) or DER, and check its self-signature.
pub fn decode_request(bytes: &[u8]) -> Result<DecodedRequest, DecodeError> {
    parse_request(&first_block(bytes, BlockKind::CertificateRequest)?)
}

/// Decode a DER request and check its self-signature.
pub fn parse_request(der: &[u8]) -> Result<DecodedRequest, DecodeError> {
    let (_, csr) =
        X509CertificationRequest::from_der(der).map_err(|e| DecodeError::Request(e.to_string()))?;
    let info = &csr.certification_request_info;
    let (common_name, organizations) = name_attrs(&info.subject);
    let (mut dns_names, mut ip_addresses, mut other_sans) = (Vec::new(), Vec::new(), Vec::new());
    let names = csr.requested_extensions().into_iter().flatten();
    for ext in names {
        let ParsedExtension::SubjectAlternativeName(s) = ext else {
            continue;
        };
        for g in &s.general_names {
            match (g, g_ip(g)) {
                (GeneralName::DNSName(d), _) => dns_names.push(d.to_string()),
                (_, Some(a)) => ip_addresses.push(a),
                _ => other_sans.push(san(g)),
            }
        }
    }
    let public = spki_info(&info.subject_pki);
    Ok(DecodedRequest {
        subject: info.subject.to_string(),
        common_name,
        organizations,
        dns_names,
        ip_addresses,
        other_sans,
        key_algorithm: public.algorithm,
        public_key_id: public.id,
        signature_algorithm: algorithm_name(&csr.signature_algorithm.algorithm).into_owned(),
        signature: csr
            .verify_signature()
            .map_err(|e| DecodeError::RequestSignature(e.to_string())),
    })
}

fn g_ip(g: &GeneralName<'_>) -> Option<IpAddr> {
    match g {
        GeneralName::IPAddress(b) => ip_addr(b),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_gets_a_reason_not_a_panic() {
        let err =
            decode_request(b"-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n")
                .unwrap_err();
        assert!(err.to_string().contains("CERTIFICATE REQUEST"), "{err}");
        assert!(decode_request(b"\x30\x03\x02\x01\x00").is_err());
        assert!(decode_request(b"").is_err());
    }
}
