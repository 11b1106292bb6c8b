//! One DER certificate (or PKCS#10 request) into the inventory's plain model.

use chrono::{DateTime, Utc};
use ring::digest;
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use super::format::{hex, serial_hex};
use super::keys::spki_info;
use super::{CertEntry, ChainVerdict, CsrEntry, Origin, Status};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

fn time(t: x509_parser::time::ASN1Time) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
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

fn general_name(g: &GeneralName<'_>) -> Option<String> {
    match g {
        GeneralName::DNSName(d) => Some(format!("DNS:{d}")),
        GeneralName::IPAddress(b) => Some(format!("IP:{}", ip(b))),
        GeneralName::RFC822Name(e) => Some(format!("email:{e}")),
        GeneralName::URI(u) => Some(format!("URI:{u}")),
        _ => None,
    }
}

fn ip(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::from([b[0], b[1], b[2], b[3]]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => hex(b),
    }
}

/// Key usage and extended key usage in the CSR API's vocabulary.
fn usages(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(Some(ku)) = cert.key_usage() {
        let ku = ku.value;
        let flags = [
            (ku.digital_signature(), "digital signature"),
            (ku.non_repudiation(), "content commitment"),
            (ku.key_encipherment(), "key encipherment"),
            (ku.data_encipherment(), "data encipherment"),
            (ku.key_agreement(), "key agreement"),
            (ku.key_cert_sign(), "cert sign"),
            (ku.crl_sign(), "crl sign"),
            (ku.encipher_only(), "encipher only"),
            (ku.decipher_only(), "decipher only"),
        ];
        out.extend(flags.iter().filter(|f| f.0).map(|f| f.1.to_string()));
    }
    if let Ok(Some(eku)) = cert.extended_key_usage() {
        let eku = eku.value;
        let flags = [
            (eku.any, "any"),
            (eku.server_auth, "server auth"),
            (eku.client_auth, "client auth"),
            (eku.code_signing, "code signing"),
            (eku.email_protection, "email protection"),
            (eku.time_stamping, "timestamping"),
            (eku.ocsp_signing, "ocsp signing"),
        ];
        out.extend(flags.iter().filter(|f| f.0).map(|f| f.1.to_string()));
        out.extend(eku.other.iter().map(|o| o.to_id_string()));
    }
    out
}

/// Parse one certificate. Chain, key and status fields get neutral values for later passes.
pub fn parse_certificate(der: &[u8], origin: Origin) -> Result<CertEntry, String> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| match e {
        x509_parser::nom::Err::Incomplete(_) => "truncated certificate".to_string(),
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => {
            format!("not a valid X.509 certificate ({e})")
        }
    })?;
    let (common_name, organizations) = name_attrs(cert.subject());
    let mut sans = Vec::new();
    let mut ski = None;
    let mut aki = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                sans.extend(san.general_names.iter().filter_map(general_name))
            }
            ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(hex(k.0)),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                aki = a.key_identifier.as_ref().map(|k| hex(k.0))
            }
            _ => {}
        }
    }
    let public = spki_info(cert.public_key());
    let signature_algorithm = algorithm_name(&cert.signature_algorithm.algorithm);
    Ok(CertEntry {
        origin,
        kubeadm_name: None,
        der: der.to_vec(),
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        subject_raw: cert.subject().as_raw().to_vec(),
        issuer_raw: cert.issuer().as_raw().to_vec(),
        common_name,
        organizations,
        serial: serial_hex(cert.raw_serial()),
        not_before: time(cert.validity().not_before),
        not_after: time(cert.validity().not_after),
        sans,
        usages: usages(&cert),
        is_ca: cert.is_ca(),
        key_algorithm: public.algorithm,
        signature_algorithm,
        sha256: sha256_hex(der),
        spki_sha256: sha256_hex(cert.public_key().raw),
        public_key_id: public.id,
        ski,
        aki,
        referenced_by: Vec::new(),
        symlink_target: None,
        superseded: false,
        status: Status::Ok,
        chain: ChainVerdict::UnknownIssuer,
        issuer_id: None,
        key_id: None,
        key_match: None,
    })
}

/// Parse a PKCS#10 request and check its self-signature.
pub fn parse_csr(der: &[u8], origin: Origin) -> Result<CsrEntry, String> {
    let (_, csr) = X509CertificationRequest::from_der(der)
        .map_err(|e| format!("not a valid certificate request ({e})"))?;
    let info = &csr.certification_request_info;
    let mut sans = Vec::new();
    if let Some(exts) = csr.requested_extensions() {
        for ext in exts {
            if let ParsedExtension::SubjectAlternativeName(san) = ext {
                sans.extend(san.general_names.iter().filter_map(general_name));
            }
        }
    }
    let public = spki_info(&info.subject_pki);
    Ok(CsrEntry {
        origin,
        subject: info.subject.to_string(),
        sans,
        key_algorithm: public.algorithm,
        public_key_id: public.id,
        signature_valid: csr.verify_signature().is_ok(),
    })
}

/// The short name of an algorithm OID (`sha256WithRSAEncryption`), else its dotted form.
/// The registry is built once: building it per certificate was a tenth of a 10,000-file scan.
pub fn algorithm_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    static REGISTRY: std::sync::LazyLock<x509_parser::oid_registry::OidRegistry<'static>> =
        std::sync::LazyLock::new(|| {
            x509_parser::oid_registry::OidRegistry::default().with_crypto()
        });
    REGISTRY
        .get(oid)
        .map(|e| e.sn().to_string())
        .unwrap_or_else(|| oid.to_id_string())
}
