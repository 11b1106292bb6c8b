//! Signing a [`CertTemplate`] into a DER certificate.

use chrono::{DateTime, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, IsCa, KeyIdMethod, KeyUsagePurpose, SanType, SerialNumber,
};
use ring::rand::{SecureRandom, SystemRandom};
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::X509Certificate;

use super::{CertTemplate, PrivateKey, SignError, Subject};
use crate::pki::decode::certificate;

/// Who signs the certificate.
#[derive(Debug, Clone, Copy)]
pub enum Issuer<'a> {
    /// The subject key signs its own certificate (issuer name = subject name).
    SelfSigned,
    /// A CA certificate (DER) and its private key.
    Ca {
        cert_der: &'a [u8],
        key: &'a PrivateKey,
    },
}

/// Issues a certificate for `subject_key` and returns its DER.
///
/// The issuer name is copied from the CA certificate's subject and the result is parsed back to
/// check that both it and a subject copied from another certificate came out byte-identical
/// (Go chains certificates by raw name bytes); anything else is an error, never a silent change.
pub fn issue(
    template: &CertTemplate,
    subject_key: &PrivateKey,
    issuer: Issuer<'_>,
) -> Result<Vec<u8>, SignError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = template.subject.to_rcgen();
    params.not_before = to_time(template.not_before)?;
    params.not_after = to_time(template.not_after)?;
    params.serial_number = Some(random_serial()?);
    params.extended_key_usages = template.usages.clone();
    params.subject_alt_names = template
        .dns_names
        .iter()
        .map(|d| Ok(SanType::DnsName(d.as_str().try_into()?)))
        .chain(
            template
                .ip_addresses
                .iter()
                .map(|ip| Ok(SanType::IpAddress(*ip))),
        )
        .collect::<Result<_, rcgen::Error>>()?;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    if template.is_ca {
        params.key_usages.push(KeyUsagePurpose::KeyCertSign);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    } else {
        // Written as a critical `CA:FALSE`, as Go does with BasicConstraintsValid; also makes
        // rcgen add the subject key identifier.
        params.is_ca = IsCa::ExplicitNoCa;
    }

    let (der, expected_issuer) = match issuer {
        Issuer::SelfSigned => {
            let cert = params.self_signed(subject_key.signer())?;
            (
                cert.der().to_vec(),
                template.subject.raw().map(<[u8]>::to_vec),
            )
        }
        Issuer::Ca { cert_der, key } => {
            let ca = certificate(cert_der)?;
            if !ca.is_ca() {
                return Err(SignError::NotACa);
            }
            if ca.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
                return Err(SignError::CaKeyMismatch);
            }
            let ca_params = issuer_params(&ca, &mut params)?;
            let rcgen_issuer = rcgen::Issuer::new(ca_params, key.signer());
            let cert = params.signed_by(subject_key.signer(), &rcgen_issuer)?;
            (cert.der().to_vec(), Some(ca.subject().as_raw().to_vec()))
        }
    };

    let issued = certificate(&der)?;
    if let Some(expected) = template.subject.raw() {
        if issued.subject().as_raw() != expected {
            return Err(SignError::NameNotPreserved("subject"));
        }
    }
    if let Some(expected) = expected_issuer {
        if issued.issuer().as_raw() != expected.as_slice() {
            return Err(SignError::NameNotPreserved("issuer"));
        }
    }
    Ok(der)
}

/// The CA's name and key identifier as rcgen wants them. Like Go, the authority key identifier
/// is the CA's subject key identifier and is left out when the CA has none.
fn issuer_params(
    ca: &X509Certificate<'_>,
    leaf: &mut CertificateParams,
) -> Result<CertificateParams, SignError> {
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name = Subject::from_x509(ca.subject())?.to_rcgen();
    let ski = ca
        .iter_extensions()
        .find_map(|ext| match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
            _ => None,
        });
    leaf.use_authority_key_identifier_extension = ski.is_some();
    ca_params.key_identifier_method = KeyIdMethod::PreSpecified(ski.unwrap_or_default());
    Ok(ca_params)
}

/// Random serial in [1, 2^63), as kubeadm's `pkiutil` draws it.
fn random_serial() -> Result<SerialNumber, SignError> {
    Ok(SerialNumber::from_slice(&random_serial_bytes()?))
}

/// The big-endian bytes of [`random_serial`].
pub(super) fn random_serial_bytes() -> Result<[u8; 8], SignError> {
    let rng = SystemRandom::new();
    loop {
        let mut bytes = [0u8; 8];
        rng.fill(&mut bytes).map_err(|_| SignError::Random)?;
        bytes[0] &= 0x7f;
        if bytes != [0; 8] {
            return Ok(bytes);
        }
    }
}

fn to_time(t: DateTime<Utc>) -> Result<time::OffsetDateTime, SignError> {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp()).map_err(|_| SignError::BadTime(t))
}
