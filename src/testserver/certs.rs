//! The test API server's own PKI: a cluster CA, the serving certificate (IP SAN 127.0.0.1,
//! which rustls needs), client identities (valid or expired, to test the banners), PKCS#10
//! requests, and the signer that issues certificates for approved CSRs. ECDSA P-256 keys:
//! fast to generate. Certificates for keys the server holds come from [`crate::sign`].

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, Issuer, KeyPair,
    KeyUsagePurpose, SanType, SubjectPublicKeyInfo,
};

use super::ServerError;
use crate::sign::{
    cert_to_pem, issue, CertTemplate, Issuer as SignIssuer, KeySpec, PrivateKey, Subject,
};

fn when(t: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn err(e: rcgen::Error) -> ServerError {
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
    key: PrivateKey,
}

fn sign_err(e: crate::sign::SignError) -> ServerError {
    ServerError::Pki(e.to_string())
}

impl Ca {
    /// A new self-signed CA named `kubernetes`, like kubeadm's.
    pub fn generate() -> Result<Ca, ServerError> {
        let key = PrivateKey::generate(KeySpec::EcdsaP256).map_err(sign_err)?;
        let v = Validity::days(3650);
        let subject = Subject::new("kubernetes", &[]).map_err(sign_err)?;
        let mut t = CertTemplate::new(subject, v.not_before, v.not_after);
        t.is_ca = true;
        let cert_der = issue(&t, &key, SignIssuer::SelfSigned).map_err(sign_err)?;
        Ok(Ca {
            cert_pem: cert_to_pem(&cert_der),
            cert_der,
            key,
        })
    }

    fn leaf(
        &self,
        mut t: CertTemplate,
        eku: ExtendedKeyUsagePurpose,
    ) -> Result<Identity, ServerError> {
        let key = PrivateKey::generate(KeySpec::EcdsaP256).map_err(sign_err)?;
        t.usages = vec![eku];
        let issuer = SignIssuer::Ca {
            cert_der: &self.cert_der,
            key: &self.key,
        };
        let der = issue(&t, &key, issuer).map_err(sign_err)?;
        Ok(Identity {
            cert_pem: cert_to_pem(&der),
            key_pem: key.to_native_pem().map_err(sign_err)?,
        })
    }

    /// `kube-apiserver`'s serving certificate for 127.0.0.1 and localhost.
    pub fn serving(&self, validity: Validity) -> Result<Identity, ServerError> {
        let subject = Subject::new("kube-apiserver", &[]).map_err(sign_err)?;
        let mut t = CertTemplate::new(subject, validity.not_before, validity.not_after);
        t.dns_names = vec!["localhost".into(), "kubernetes".into()];
        t.ip_addresses = vec![IpAddr::from([127, 0, 0, 1])];
        self.leaf(t, ExtendedKeyUsagePurpose::ServerAuth)
    }

    /// A client certificate: the API server takes CN as the user and O as the group (one
    /// group at most: [`Subject`] cannot repeat an attribute).
    pub fn client(
        &self,
        cn: &str,
        groups: &[&str],
        validity: Validity,
    ) -> Result<Identity, ServerError> {
        let subject = Subject::new(cn, groups).map_err(sign_err)?;
        let t = CertTemplate::new(subject, validity.not_before, validity.not_after);
        self.leaf(t, ExtendedKeyUsagePurpose::ClientAuth)
    }

    /// What kube-controller-manager's csrsigning controller does after approval: subject and
    /// SANs from the request, usages from the spec, the request's extensions dropped.
    pub fn sign_request(
        &self,
        request_pem: &[u8],
        usages: &[String],
        lifetime: Duration,
    ) -> Result<String, ServerError> {
        use x509_parser::prelude::FromDer;
        let (blocks, _) = crate::pki::decode::pem_blocks(request_pem);
        let der = blocks
            .into_iter()
            .find(|b| b.kind == crate::pki::decode::BlockKind::CertificateRequest)
            .ok_or_else(|| ServerError::Pki("no CERTIFICATE REQUEST block".into()))?
            .der;
        let (_, csr) = x509_parser::certification_request::X509CertificationRequest::from_der(&der)
            .map_err(|e| ServerError::Pki(e.to_string()))?;
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
        let decoded = crate::pki::decode::decode_request(request_pem)
            .map_err(|e| ServerError::Pki(e.to_string()))?;
        for d in &decoded.dns_names {
            p.subject_alt_names
                .push(SanType::DnsName(d.clone().try_into().map_err(err)?));
        }
        for i in &decoded.ip_addresses {
            p.subject_alt_names.push(SanType::IpAddress(*i));
        }
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
        // kcert::sign issues only for keys it holds; a CSR brings just the public key.
        let issuer = Issuer::from_ca_cert_der(&self.cert_der.as_slice().into(), self.key.signer())
            .map_err(err)?;
        let public = SubjectPublicKeyInfo::from_der(info.subject_pki.raw).map_err(err)?;
        Ok(p.signed_by(&public, &issuer).map_err(err)?.pem())
    }
}

fn dn(cn: &str, orgs: &[&str]) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    for o in orgs {
        d.push(DnType::OrganizationName, *o);
    }
    d.push(DnType::CommonName, cn);
    d
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
