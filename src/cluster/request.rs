//! The PKCS#10 request inside a CSR object and the certificate the signer issued for it,
//! decoded into plain data so that rules and views never touch parser lifetimes.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use crate::pki::decode::{looks_like_pem, pem_blocks, BlockKind};
use crate::pki::keys::spki_info;
use crate::pki::name_attrs;
use crate::pki::KeyAlgorithm;

/// What a CSR's `spec.request` asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecodedRequest {
    /// `O=system:nodes, CN=system:node:w1`, in the order openssl prints.
    pub subject: String,
    pub common_name: Option<String>,
    pub organizations: Vec<String>,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<IpAddr>,
    /// Email and URI SANs: no in-tree signer accepts them, so rules flag them.
    pub other_sans: Vec<String>,
    pub key_algorithm: KeyAlgorithm,
    pub signature_algorithm: String,
    /// `Err(reason)` when the request's self-signature does not verify: whoever sent it
    /// does not hold the private key, or the bytes were altered.
    #[serde(serialize_with = "ser_signature")]
    pub signature: Result<(), String>,
}

fn ser_signature<S: serde::Serializer>(r: &Result<(), String>, s: S) -> Result<S::Ok, S::Error> {
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

/// The first certificate of `status.certificate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedCert {
    pub subject: String,
    pub issuer: String,
    /// Upper-case hex, as `openssl x509 -serial` prints it.
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub sans: Vec<String>,
    /// How many certificates `status.certificate` holds (leaf plus intermediates).
    pub chain_len: usize,
}

fn first_block(bytes: &[u8], want: BlockKind, what: &str) -> Result<Vec<u8>, String> {
    if !looks_like_pem(bytes) {
        // The API stores PEM; raw DER is accepted so a hand-made object still decodes.
        return Ok(bytes.to_vec());
    }
    let (blocks, errors) = pem_blocks(bytes);
    match blocks.into_iter().find(|b| b.kind == want) {
        Some(b) => Ok(b.der),
        None => Err(match errors.first() {
            Some(e) => e.message.clone(),
            None => format!("holds no {what} PEM block"),
        }),
    }
}

#[derive(Default)]
struct Sans {
    dns: Vec<String>,
    ips: Vec<IpAddr>,
    other: Vec<String>,
}

impl Sans {
    fn add(&mut self, g: &GeneralName<'_>) {
        match g {
            GeneralName::DNSName(d) => self.dns.push(d.to_string()),
            GeneralName::IPAddress(b) => match ip(b) {
                Some(a) => self.ips.push(a),
                None => self.other.push(format!("IP:<{} bytes>", b.len())),
            },
            GeneralName::RFC822Name(e) => self.other.push(format!("email:{e}")),
            GeneralName::URI(u) => self.other.push(format!("URI:{u}")),
            other => self.other.push(format!("{other}")),
        }
    }
}

fn ip(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from([b[0], b[1], b[2], b[3]])),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            Some(IpAddr::from(a))
        }
        _ => None,
    }
}

/// Decode `spec.request` (PEM `CERTIFICATE REQUEST`) and check its self-signature.
pub fn decode_request(bytes: &[u8]) -> Result<DecodedRequest, String> {
    let der = first_block(bytes, BlockKind::CertificateRequest, "CERTIFICATE REQUEST")?;
    let (_, csr) = X509CertificationRequest::from_der(&der)
        .map_err(|e| format!("not a valid PKCS#10 request ({e})"))?;
    let info = &csr.certification_request_info;
    let (common_name, organizations) = name_attrs(&info.subject);
    let mut sans = Sans::default();
    if let Some(exts) = csr.requested_extensions() {
        for ext in exts {
            if let ParsedExtension::SubjectAlternativeName(san) = ext {
                san.general_names.iter().for_each(|g| sans.add(g));
            }
        }
    }
    let signature = csr
        .verify_signature()
        .map_err(|e| format!("the request's signature does not verify ({e})"));
    Ok(DecodedRequest {
        subject: info.subject.to_string(),
        common_name,
        organizations,
        dns_names: sans.dns,
        ip_addresses: sans.ips,
        other_sans: sans.other,
        key_algorithm: spki_info(&info.subject_pki).algorithm,
        signature_algorithm: crate::pki::algorithm_name(&csr.signature_algorithm.algorithm),
        signature,
    })
}

fn time(t: x509_parser::time::ASN1Time) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Decode `status.certificate`: the leaf, and how many blocks follow it.
pub fn decode_issued(bytes: &[u8]) -> Result<IssuedCert, String> {
    let chain_len = if looks_like_pem(bytes) {
        pem_blocks(bytes)
            .0
            .iter()
            .filter(|b| b.kind == BlockKind::Certificate)
            .count()
    } else {
        1
    };
    let der = first_block(bytes, BlockKind::Certificate, "CERTIFICATE")?;
    let (_, cert) = X509Certificate::from_der(&der)
        .map_err(|e| format!("not a valid X.509 certificate ({e})"))?;
    let mut sans = Sans::default();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        san.value.general_names.iter().for_each(|g| sans.add(g));
    }
    Ok(IssuedCert {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: crate::pki::format::serial_hex(cert.raw_serial()),
        not_before: time(cert.validity().not_before),
        not_after: time(cert.validity().not_after),
        sans: sans
            .dns
            .iter()
            .map(|d| format!("DNS:{d}"))
            .chain(sans.ips.iter().map(|i| format!("IP:{i}")))
            .chain(sans.other)
            .collect(),
        chain_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testserver::make_request;
    use crate::testserver::seed::tamper_signature;

    #[test]
    fn generated_request_decodes_with_sans_and_a_valid_signature() {
        let ip: IpAddr = "10.0.0.7".parse().unwrap();
        let pem = make_request(
            "system:node:w1",
            &["system:nodes"],
            &["w1", "w1.lab"],
            &[ip],
        )
        .unwrap();
        let d = decode_request(pem.as_bytes()).unwrap();
        assert_eq!(d.common_name.as_deref(), Some("system:node:w1"));
        assert_eq!(d.organizations, ["system:nodes"]);
        assert_eq!(d.sans(), ["DNS:w1", "DNS:w1.lab", "IP:10.0.0.7"]);
        assert_eq!(d.key_algorithm, KeyAlgorithm::EcdsaP256);
        assert_eq!(d.signature, Ok(()));
    }

    #[test]
    fn a_flipped_signature_bit_is_caught() {
        let pem = make_request("mallory", &[], &[], &[]).unwrap();
        let d = decode_request(tamper_signature(&pem).unwrap().as_bytes()).unwrap();
        assert!(d.signature.is_err(), "{d:?}");
    }

    #[test]
    fn garbage_gets_a_reason_not_a_panic() {
        let err =
            decode_request(b"-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n")
                .unwrap_err();
        assert!(err.contains("CERTIFICATE REQUEST"), "{err}");
        assert!(decode_request(b"\x30\x03\x02\x01\x00").is_err());
        assert!(decode_request(b"").is_err());
        assert!(decode_issued(b"not a certificate").is_err());
    }
}
