//! Subject and issuer names, kept attribute by attribute with their ASN.1 string types.
//!
//! Go's crypto/x509 (so kube-apiserver, kubelet and kubeadm) finds a certificate's parent by
//! comparing raw name bytes, so a name copied from an existing certificate must be written back
//! byte for byte: same attribute order, same string types. rcgen's `DistinguishedName` can
//! express that as long as every RDN has one attribute and no attribute type repeats; names
//! outside that are refused here instead of being silently changed.

use std::fmt;

use rcgen::string::{BmpString, UniversalString};
use rcgen::{DistinguishedName, DnType, DnValue};
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::x509::X509Name;

use super::SignError;

/// An X.509 Name as an ordered list of single-attribute RDNs.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Subject {
    attrs: Vec<(DnType, DnValue)>,
    /// The DER this name was copied from; [`super::issue`] checks the output against it.
    raw: Option<Vec<u8>>,
}

impl Subject {
    /// `O=<org>... CN=<cn>` in the order and with the string types Go's `pkix.Name` produces
    /// (PrintableString when the text allows it, else UTF8String), i.e. what kubeadm writes.
    ///
    /// Fails for more than one organization: rcgen cannot repeat an attribute type.
    pub fn new(cn: &str, organizations: &[&str]) -> Result<Self, SignError> {
        let mut subject = Subject::default();
        for org in organizations {
            subject.push(DnType::OrganizationName, go_string(org))?;
        }
        subject.push(DnType::CommonName, go_string(cn))?;
        Ok(subject)
    }

    /// A name with the attributes in the order given (`C`, `ST`, `L`, `O`, `OU`, `CN`), as an
    /// openssl configuration's `[dn]` section writes it (MicroK8s' `csr.conf`).
    pub fn with_attributes(attrs: &[(&str, &str)]) -> Result<Self, SignError> {
        let mut subject = Subject::default();
        for (key, value) in attrs {
            let ty = match *key {
                "C" => DnType::CountryName,
                "ST" => DnType::StateOrProvinceName,
                "L" => DnType::LocalityName,
                "O" => DnType::OrganizationName,
                "OU" => DnType::OrganizationalUnitName,
                "CN" => DnType::CommonName,
                other => {
                    return Err(SignError::UnsupportedName(format!(
                        "attribute {other} is not one kcert writes"
                    )))
                }
            };
            subject.push(ty, go_string(value))?;
        }
        Ok(subject)
    }

    /// Copies a parsed name, keeping order and string types.
    pub(crate) fn from_x509(name: &X509Name<'_>) -> Result<Self, SignError> {
        let mut subject = Subject::default();
        for rdn in name.iter() {
            let mut attrs = rdn.iter();
            let (Some(attr), None) = (attrs.next(), attrs.next()) else {
                return Err(unsupported(name, "an RDN with several attributes"));
            };
            let oid: Vec<u64> = attr
                .attr_type()
                .iter()
                .ok_or_else(|| unsupported(name, "an attribute OID too large"))?
                .collect();
            let value = attr.attr_value();
            let text =
                || std::str::from_utf8(value.data).map_err(|_| unsupported(name, "invalid text"));
            let dn_value = match value.header.tag() {
                Tag::PrintableString => DnValue::PrintableString(text()?.try_into()?),
                Tag::Utf8String => DnValue::Utf8String(text()?.to_string()),
                Tag::Ia5String => DnValue::Ia5String(text()?.try_into()?),
                Tag::T61String => DnValue::TeletexString(text()?.try_into()?),
                Tag::BmpString => DnValue::BmpString(BmpString::from_utf16be(value.data.to_vec())?),
                Tag::UniversalString => {
                    DnValue::UniversalString(UniversalString::from_utf32be(value.data.to_vec())?)
                }
                other => return Err(unsupported(name, &format!("a value of type {other}"))),
            };
            subject
                .push(DnType::from_oid(&oid), dn_value)
                .map_err(|_| unsupported(name, "a repeated attribute type"))?;
        }
        subject.raw = Some(name.as_raw().to_vec());
        Ok(subject)
    }

    fn push(&mut self, ty: DnType, value: DnValue) -> Result<(), SignError> {
        if self.attrs.iter().any(|(t, _)| *t == ty) {
            return Err(SignError::UnsupportedName(format!(
                "attribute {} appears twice; rcgen can write each type once",
                type_name(&ty)
            )));
        }
        self.attrs.push((ty, value));
        self.raw = None;
        Ok(())
    }

    /// The CN value, if any.
    pub fn common_name(&self) -> Option<String> {
        self.value_of(&DnType::CommonName)
    }

    fn value_of(&self, ty: &DnType) -> Option<String> {
        self.attrs
            .iter()
            .find(|(t, _)| t == ty)
            .map(|(_, v)| value_text(v))
    }

    /// The DER of the name this was copied from, if it was copied.
    pub(crate) fn raw(&self) -> Option<&[u8]> {
        self.raw.as_deref()
    }

    pub(crate) fn to_rcgen(&self) -> DistinguishedName {
        let mut dn = DistinguishedName::new();
        for (ty, value) in &self.attrs {
            dn.push(ty.clone(), value.clone());
        }
        dn
    }
}

impl fmt::Display for Subject {
    /// `O=system:masters, CN=kubernetes-admin` (certificate order).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (ty, value)) in self.attrs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}={}", type_name(ty), value_text(value))?;
        }
        Ok(())
    }
}

/// Go's `asn1.Marshal` rule for strings in names.
fn go_string(text: &str) -> DnValue {
    match text.try_into() {
        Ok(printable) => DnValue::PrintableString(printable),
        Err(_) => DnValue::Utf8String(text.to_string()),
    }
}

fn value_text(value: &DnValue) -> String {
    match value {
        DnValue::PrintableString(s) => s.as_str().to_string(),
        DnValue::Utf8String(s) => s.clone(),
        DnValue::Ia5String(s) => s.as_str().to_string(),
        DnValue::TeletexString(s) => s.as_str().to_string(),
        DnValue::BmpString(s) => {
            let units: Vec<u16> = s
                .as_bytes()
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        DnValue::UniversalString(s) => s
            .as_bytes()
            .chunks_exact(4)
            .filter_map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        _ => String::from("?"),
    }
}

fn type_name(ty: &DnType) -> String {
    match ty {
        DnType::CountryName => "C".into(),
        DnType::StateOrProvinceName => "ST".into(),
        DnType::LocalityName => "L".into(),
        DnType::OrganizationName => "O".into(),
        DnType::OrganizationalUnitName => "OU".into(),
        DnType::CommonName => "CN".into(),
        DnType::CustomDnType(oid) => oid.iter().map(u64::to_string).collect::<Vec<_>>().join("."),
        _ => "?".into(),
    }
}

fn unsupported(name: &X509Name<'_>, what: &str) -> SignError {
    SignError::UnsupportedName(format!("{name} contains {what}"))
}
