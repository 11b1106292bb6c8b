//! One DER certificate (or PKCS#10 request) into the inventory's plain model. The parsing
//! itself is [`super::decode`]'s; this picks what the inventory keeps.

use std::borrow::Cow;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;

use super::decode::{
    self, algorithm_name, name_attrs, parse_request, san, DecodeError, Sha256,
};
use super::format::{hex, serial_hex};
use super::keys::spki_info;
use super::{CertEntry, ChainVerdict, CsrEntry, Origin, Status};

/// Key usage and extended key usage in the CSR API's vocabulary.
fn usages(cert: &X509Certificate<'_>) -> Vec<Cow<'static, str>> {
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
        out.extend(flags.iter().filter(|f| f.0).map(|f| Cow::Borrowed(f.1)));
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
        out.extend(flags.iter().filter(|f| f.0).map(|f| Cow::Borrowed(f.1)));
        out.extend(eku.other.iter().map(|o| Cow::Owned(o.to_id_string())));
    }
    out
}

/// Parse one certificate. Chain, key and status fields get neutral values for later passes.
/// The entry keeps `der` itself: no copy.
pub fn parse_certificate(der: Vec<u8>, origin: Origin) -> Result<CertEntry, DecodeError> {
    let cert = decode::certificate(&der)?;
    let (common_name, organizations) = name_attrs(cert.subject());
    let mut sans = Vec::new();
    let mut ski = None;
    let mut aki = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(names) => {
                sans.extend(names.general_names.iter().map(san))
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
    let (not_before, not_after) = decode::validity(&cert);
    let place = super::distro::place(&origin);
    let mut entry = CertEntry {
        origin,
        kubeadm_name: None,
        place,
        der: Vec::new(),
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        subject_raw: cert.subject().as_raw().to_vec(),
        issuer_raw: cert.issuer().as_raw().to_vec(),
        common_name,
        organizations,
        serial: serial_hex(cert.raw_serial()),
        not_before,
        not_after,
        sans,
        usages: usages(&cert),
        is_ca: cert.is_ca(),
        key_algorithm: public.algorithm,
        signature_algorithm,
        sha256: Sha256::of(&der),
        spki_sha256: Sha256::of(cert.public_key().raw),
        public_key_id: public.id,
        ski,
        aki,
        referenced_by: Vec::new(),
        symlink_target: None,
        superseded: false,
        copy_of: None,
        status: Status::Ok,
        chain: ChainVerdict::UnknownIssuer,
        issuer_id: None,
        key_id: None,
        key_match: None,
    };
    drop(cert);
    entry.der = der;
    Ok(entry)
}

/// Parse a PKCS#10 request and check its self-signature.
pub fn parse_csr(der: &[u8], origin: Origin) -> Result<CsrEntry, DecodeError> {
    let request = parse_request(der)?;
    Ok(CsrEntry {
        origin,
        sans: request.sans(),
        subject: request.subject,
        key_algorithm: request.key_algorithm,
        public_key_id: request.public_key_id,
        signature_valid: request.signature.is_ok(),
    })
}
