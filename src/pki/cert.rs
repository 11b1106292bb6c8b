//! One DER certificate (or PKCS#10 request) into the inventory's plain model. The parsing
//! itself is [`super::decode`]'s; this picks what the inventory keeps.

use std::collections::HashMap;
use std::sync::Arc;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;

use super::decode::{self, algorithm_name, name_attrs, parse_request, san, DecodeError, Sha256};
use super::format::serial_hex;
use super::keys::spki_info;
use super::{CertEntry, ChainVerdict, CsrEntry, Origin, Status, Usages};

/// Key usage and extended key usage, in [`Usages`]' order.
fn usages(cert: &X509Certificate<'_>) -> Usages {
    let mut flags = [false; 16];
    let mut other = Vec::new();
    if let Ok(Some(ku)) = cert.key_usage() {
        let ku = ku.value;
        flags[..9].copy_from_slice(&[
            ku.digital_signature(),
            ku.non_repudiation(),
            ku.key_encipherment(),
            ku.data_encipherment(),
            ku.key_agreement(),
            ku.key_cert_sign(),
            ku.crl_sign(),
            ku.encipher_only(),
            ku.decipher_only(),
        ]);
    }
    if let Ok(Some(eku)) = cert.extended_key_usage() {
        let eku = eku.value;
        flags[9..].copy_from_slice(&[
            eku.any,
            eku.server_auth,
            eku.client_auth,
            eku.code_signing,
            eku.email_protection,
            eku.time_stamping,
            eku.ocsp_signing,
        ]);
        other.extend(eku.other.iter().map(|o| o.to_id_string()));
    }
    Usages::new(flags, other)
}

/// Issuer names already met, by their DER: certificates with the same issuer share one
/// copy, and the name is put into words once.
pub type IssuerNames = HashMap<Arc<[u8]>, Arc<str>>;

/// Parse one certificate. Chain, key and status fields get neutral values for later passes.
/// The entry keeps `der` itself: no copy.
pub fn parse_certificate(
    der: Vec<u8>,
    origin: Origin,
    issuers: &mut IssuerNames,
) -> Result<CertEntry, DecodeError> {
    let cert = decode::certificate(&der)?;
    let (issuer_raw, issuer) = match issuers.get_key_value(cert.issuer().as_raw()) {
        Some((raw, text)) => (raw.clone(), text.clone()),
        None => {
            let raw: Arc<[u8]> = cert.issuer().as_raw().into();
            let text: Arc<str> = cert.issuer().to_string().into();
            issuers.insert(raw.clone(), text.clone());
            (raw, text)
        }
    };
    let (common_name, organizations) = name_attrs(cert.subject());
    let mut sans = Vec::new();
    let mut ski = None;
    let mut aki = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(names) => {
                sans.extend(names.general_names.iter().map(san))
            }
            ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(k.0.into()),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                aki = a.key_identifier.as_ref().map(|k| k.0.into())
            }
            _ => {}
        }
    }
    // Exact: a vector's first push reserves room for four names.
    sans.shrink_to_fit();
    let public = spki_info(cert.public_key());
    let signature_algorithm = algorithm_name(&cert.signature_algorithm.algorithm);
    let (not_before, not_after) = decode::validity(&cert);
    let place = super::distro::place(&origin).map(Box::new);
    let mut entry = CertEntry {
        origin,
        kubeadm_name: None,
        place,
        der: Vec::new(),
        subject: cert.subject().to_string(),
        issuer,
        subject_raw: cert.subject().as_raw().into(),
        issuer_raw,
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
        signer_spki: None,
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
