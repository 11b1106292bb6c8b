//! The server's own PKI, made with rcgen: a cluster CA, the serving certificate (IP SAN
//! 127.0.0.1, which rustls needs), client identities (valid or expired, to test the banners),
//! PKCS#10 requests, and the signer that issues certificates for approved CSRs. ECDSA P-256
//! keys: fast to generate.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SubjectPublicKeyInfo,
};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use super::ServerError;

fn when(t: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn err(e: impl std::fmt::Display) -> ServerError {
    ServerError::Pki(e.to_string())
}

/// A validity window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

impl Validity {
    /// From an hour ago for `days` days.
    pub fn days(days: i64) -> Self {
        let now = Utc::now();
        Validity {
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(days),
        }
    }

    /// A year-long window that ended `days_ago` days ago.
    pub fn expired(days_ago: i64) -> Self {
        let end = Utc::now() - Duration::days(days_ago);
        Validity {
            not_before: end - Duration::days(365),
            not_after: end,
        }
    }
}

/// A certificate and its key, PEM.
#[derive(Clone)]
pub struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for Identity {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").finish_non_exhaustive()
    }
}

/// The cluster CA: signs the serving certificate, client certificates and approved CSRs.
pub struct Ca {
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

/// `O=...` (one: rcgen keeps a value per attribute type) then `CN=cn`, in Go's order.
fn dn(cn: &str, orgs: &[&str]) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    for o in orgs {
        d.push(DnType::OrganizationName, *o);
    }
    d.push(DnType::CommonName, cn);
    d
}

impl Ca {
    /// A new self-signed CA named `kubernetes`, like kubeadm's.
    pub fn generate() -> Result<Ca, ServerError> {
        let key = KeyPair::generate().map_err(err)?;
        let v = Validity::days(3650);
        let mut p = CertificateParams::default();
        p.distinguished_name = dn("kubernetes", &[]);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyCertSign,
        ];
        p.not_before = when(v.not_before);
        p.not_after = when(v.not_after);
        let cert = p.self_signed(&key).map_err(err)?;
        Ok(Ca {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            issuer: Issuer::new(p, key),
        })
    }

    /// A leaf for a new key: `CA:FALSE`, signed with the CA's key identifier as authority.
    fn leaf(
        &self,
        mut p: CertificateParams,
        validity: Validity,
        eku: ExtendedKeyUsagePurpose,
    ) -> Result<Identity, ServerError> {
        let key = KeyPair::generate().map_err(err)?;
        p.not_before = when(validity.not_before);
        p.not_after = when(validity.not_after);
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        p.extended_key_usages = vec![eku];
        p.use_authority_key_identifier_extension = true;
        let cert = p.signed_by(&key, &self.issuer).map_err(err)?;
        Ok(Identity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// `kube-apiserver`'s serving certificate for 127.0.0.1 and localhost.
    pub fn serving(&self, validity: Validity) -> Result<Identity, ServerError> {
        let mut p = CertificateParams::new(vec!["localhost".to_string(), "kubernetes".to_string()])
            .map_err(err)?;
        p.subject_alt_names
            .push(SanType::IpAddress(IpAddr::from([127, 0, 0, 1])));
        p.distinguished_name = dn("kube-apiserver", &[]);
        self.leaf(p, validity, ExtendedKeyUsagePurpose::ServerAuth)
    }

    /// A client certificate: the API server takes CN as the user and O as the group (one
    /// group at most, see [`dn`]).
    pub fn client(
        &self,
        cn: &str,
        groups: &[&str],
        validity: Validity,
    ) -> Result<Identity, ServerError> {
        let mut p = CertificateParams::default();
        p.distinguished_name = dn(cn, groups);
        self.leaf(p, validity, ExtendedKeyUsagePurpose::ClientAuth)
    }

    /// What kube-controller-manager's csrsigning controller does after approval: subject and
    /// SANs from the request, usages from the spec, the request's extensions dropped.
    pub fn sign_request(
        &self,
        request_pem: &[u8],
        usages: &[String],
        lifetime: Duration,
    ) -> Result<String, ServerError> {
        let der = pem::parse_many(request_pem)
            .map_err(err)?
            .into_iter()
            .find(|b| b.tag() == "CERTIFICATE REQUEST")
            .ok_or_else(|| ServerError::Pki("no CERTIFICATE REQUEST block".into()))?
            .into_contents();
        let (_, csr) = X509CertificationRequest::from_der(&der).map_err(err)?;
        let info = &csr.certification_request_info;
        let mut p = CertificateParams::default();
        // rcgen keeps one value per attribute type: enough for a test signer.
        let mut subject = DistinguishedName::new();
        for attr in info.subject.iter_attributes() {
            let (Some(oid), Ok(value)) = (attr.attr_type().iter(), attr.as_str()) else {
                continue;
            };
            subject.push(DnType::from_oid(&oid.collect::<Vec<_>>()), value);
        }
        p.distinguished_name = subject;
        p.subject_alt_names = requested_sans(&csr)?;
        let now = Utc::now();
        p.not_before = when(now - Duration::minutes(5));
        p.not_after = when(now + lifetime - Duration::minutes(5));
        p.key_usages = usages
            .iter()
            .filter_map(|u| match u.as_str() {
                "digital signature" => Some(KeyUsagePurpose::DigitalSignature),
                "key encipherment" => Some(KeyUsagePurpose::KeyEncipherment),
                _ => None,
            })
            .collect();
        p.extended_key_usages = usages
            .iter()
            .filter_map(|u| match u.as_str() {
                "server auth" => Some(ExtendedKeyUsagePurpose::ServerAuth),
                "client auth" => Some(ExtendedKeyUsagePurpose::ClientAuth),
                _ => None,
            })
            .collect();
        p.use_authority_key_identifier_extension = true;
        let public = SubjectPublicKeyInfo::from_der(info.subject_pki.raw).map_err(err)?;
        Ok(p.signed_by(&public, &self.issuer).map_err(err)?.pem())
    }
}

/// The DNS and IP SANs of the request's extensionRequest attribute (the ones the in-tree
/// signers copy; this signer drops the others).
fn requested_sans(csr: &X509CertificationRequest<'_>) -> Result<Vec<SanType>, ServerError> {
    let mut sans = Vec::new();
    for ext in csr.requested_extensions().into_iter().flatten() {
        let ParsedExtension::SubjectAlternativeName(names) = ext else {
            continue;
        };
        for name in &names.general_names {
            match name {
                GeneralName::DNSName(d) => {
                    sans.push(SanType::DnsName((*d).try_into().map_err(err)?))
                }
                GeneralName::IPAddress(bytes) => {
                    let ip = match bytes.len() {
                        4 => <[u8; 4]>::try_from(*bytes).map(IpAddr::from).ok(),
                        16 => <[u8; 16]>::try_from(*bytes).map(IpAddr::from).ok(),
                        _ => None,
                    };
                    sans.extend(ip.map(SanType::IpAddress));
                }
                _ => {}
            }
        }
    }
    Ok(sans)
}

/// A PKCS#10 request, PEM, with a fresh P-256 key (the key is dropped: only the request matters).
pub fn make_request(
    cn: &str,
    orgs: &[&str],
    dns: &[&str],
    ips: &[IpAddr],
) -> Result<String, ServerError> {
    let key = KeyPair::generate().map_err(err)?;
    let mut p = CertificateParams::new(dns.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .map_err(err)?;
    p.subject_alt_names
        .extend(ips.iter().map(|i| SanType::IpAddress(*i)));
    p.distinguished_name = dn(cn, orgs);
    p.serialize_request(&key).and_then(|r| r.pem()).map_err(err)
}
