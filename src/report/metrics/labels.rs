//! The per-certificate label set, as x509-certificate-exporter (v4) writes it: every series
//! carries every label, empty where it does not apply, so dashboards and alerts written for
//! the exporter select kcert's series unchanged.

use prometheus_client::encoding::{EncodeLabelKey, LabelValueEncoder};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelSetEncoder};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use crate::pki::{absolute, CertEntry, EntryKind, Origin};

/// The exporter's label names, in the order they are written.
pub const CERT_LABELS: [&str; 17] = [
    "serial_number",
    "subject_C",
    "subject_ST",
    "subject_L",
    "subject_O",
    "subject_OU",
    "subject_CN",
    "issuer_C",
    "issuer_ST",
    "issuer_L",
    "issuer_O",
    "issuer_OU",
    "issuer_CN",
    "filename",
    "filepath",
    "embedded_kind",
    "embedded_key",
];

/// One certificate's label values, in [`CERT_LABELS`] order. Built once per scan.
#[derive(Debug, Clone, Default)]
pub struct CertLabels(pub [String; 17]);

impl CertLabels {
    pub fn of(c: &CertEntry) -> CertLabels {
        let mut v: [String; 17] = Default::default();
        v[0] = decimal_serial(&c.serial);
        name_fields(&c.subject_raw, &mut v[1..7]);
        name_fields(&c.issuer_raw, &mut v[7..13]);
        let path = absolute(c.origin.path());
        v[13] = file_name(&path);
        v[14] = path.display().to_string();
        if let Origin::Kubeconfig { entry, name, .. } = &c.origin {
            v[15] = match entry {
                EntryKind::User => "user",
                EntryKind::Cluster => "cluster",
            }
            .to_string();
            v[16] = name.clone();
        }
        CertLabels(v)
    }

    /// A file that held no readable certificate: only where it is.
    pub fn of_file(path: &std::path::Path) -> CertLabels {
        let path = absolute(path);
        let mut v: [String; 17] = Default::default();
        v[13] = file_name(&path);
        v[14] = path.display().to_string();
        CertLabels(v)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        let i = CERT_LABELS.iter().position(|n| *n == name)?;
        Some(&self.0[i])
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl EncodeLabelSet for CertLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        for (name, value) in CERT_LABELS.iter().zip(&self.0) {
            encode_pair(encoder, name, value)?;
        }
        Ok(())
    }
}

impl EncodeLabelSet for &CertLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        (*self).encode(encoder)
    }
}

/// A few labels given as pairs (per-source and per-severity series).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pairs<'a>(pub Vec<(&'static str, &'a str)>);

impl EncodeLabelSet for Pairs<'_> {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        for (name, value) in &self.0 {
            encode_pair(encoder, name, value)?;
        }
        Ok(())
    }
}

fn encode_pair(encoder: &mut LabelSetEncoder, name: &str, value: &str) -> std::fmt::Result {
    let mut label = encoder.encode_label();
    let mut key = label.encode_label_key()?;
    EncodeLabelKey::encode(&name, &mut key)?;
    let mut val = key.encode_label_value()?;
    Escaped(value).encode(&mut val)?;
    val.finish()
}

/// A label value with `\`, `"` and line feeds escaped as the text formats require (the
/// encoder writes values as given; a path may hold any of them).
struct Escaped<'a>(&'a str);

impl EncodeLabelValue for Escaped<'_> {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        use std::fmt::Write;
        let s = self.0;
        if !s.contains(['\\', '"', '\n']) {
            return encoder.write_str(s);
        }
        for part in s.split_inclusive(['\\', '"', '\n']) {
            match part.chars().last() {
                Some('\n') => {
                    encoder.write_str(&part[..part.len() - 1])?;
                    encoder.write_str("\\n")?;
                }
                Some(c @ ('\\' | '"')) => {
                    encoder.write_str(&part[..part.len() - 1])?;
                    encoder.write_char('\\')?;
                    encoder.write_char(c)?;
                }
                _ => encoder.write_str(part)?,
            }
        }
        Ok(())
    }
}

/// C, ST, L, O, OU and CN of a DER name: the first value of each, as the exporter keeps.
fn name_fields(raw: &[u8], out: &mut [String]) {
    let Ok((_, name)) = X509Name::from_der(raw) else {
        return;
    };
    fn first<'a>(
        mut it: impl Iterator<Item = &'a x509_parser::x509::AttributeTypeAndValue<'a>>,
    ) -> String {
        it.find_map(|a| a.as_str().ok().map(str::to_string))
            .unwrap_or_default()
    }
    out[0] = first(name.iter_country());
    out[1] = first(name.iter_state_or_province());
    out[2] = first(name.iter_locality());
    out[3] = first(name.iter_organization());
    out[4] = first(name.iter_organizational_unit());
    out[5] = first(name.iter_common_name());
}

/// The serial in decimal, as the exporter writes it (kcert keeps openssl's hex).
pub fn decimal_serial(hex: &str) -> String {
    let mut digits: Vec<u8> = hex
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .filter_map(|c| c.to_digit(16).map(|d| d as u8))
        .collect();
    if digits.is_empty() {
        return String::new();
    }
    // Long division of the base-16 digits by 10, collecting remainders.
    let mut out = Vec::new();
    while digits.iter().any(|&d| d != 0) {
        let mut rem = 0u32;
        for d in digits.iter_mut() {
            let cur = rem * 16 + u32::from(*d);
            *d = (cur / 10) as u8;
            rem = cur % 10;
        }
        out.push(b'0' + rem as u8);
        let zeros = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..zeros);
    }
    if out.is_empty() {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_written_in_decimal() {
        assert_eq!(decimal_serial("00"), "0");
        assert_eq!(decimal_serial("0A"), "10");
        assert_eq!(decimal_serial("FF"), "255");
        assert_eq!(decimal_serial("01:00"), "256");
        // 2^64 + 1, beyond any machine integer's reach in the middle of the division.
        assert_eq!(decimal_serial("010000000000000001"), "18446744073709551617");
        assert_eq!(
            decimal_serial("7F3A9C0B1D2E4F5061728394A5B6C7D8E9FA0B1C"),
            "726348864414641852660643652442008387411395611420"
        );
    }

    #[test]
    fn label_values_are_escaped() {
        let mut reg = prometheus_client::registry::Registry::default();
        let fam = prometheus_client::metrics::family::Family::<
            Pairs<'static>,
            prometheus_client::metrics::gauge::Gauge,
        >::default();
        reg.register("t", "t", fam.clone());
        fam.get_or_create(&Pairs(vec![("filepath", "/a\"b\\c\nd")]))
            .set(1);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &reg).unwrap();
        assert!(out.contains(r#"t{filepath="/a\"b\\c\nd"} 1"#), "{out}");
    }
}
