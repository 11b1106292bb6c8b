//! A certificate as `openssl x509 -text -noout` lays it out, written from kcert's own decode
//! (x509-parser): the operator reads what they know, on a node where openssl may be missing.
//! The fields an operator compares (serial, issuer, validity, subject, key, extensions,
//! signature algorithm) are written exactly as OpenSSL 3 writes them.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use x509_parser::asn1_rs::{self, FromDer};
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::oid::Oid;
use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::X509Name;

use super::{algorithm_name, certificate, ip_addr, time, DecodeError};

/// The text of a DER certificate; each line ends with `\n`.
pub fn x509_text(der: &[u8]) -> Result<String, DecodeError> {
    let c = certificate(der)?;
    let mut o = String::new();
    let v = c.version().0;
    o += "Certificate:\n    Data:\n";
    let _ = writeln!(o, "        Version: {} (0x{v:x})", v + 1);
    serial(&mut o, c.raw_serial());
    let sig = algorithm_name(&c.signature_algorithm.algorithm);
    let _ = writeln!(o, "        Signature Algorithm: {sig}");
    let _ = writeln!(o, "        Issuer: {}", name(c.issuer()));
    o += "        Validity\n";
    let _ = writeln!(
        o,
        "            Not Before: {}",
        date(time(c.validity().not_before))
    );
    let _ = writeln!(
        o,
        "            Not After : {}",
        date(time(c.validity().not_after))
    );
    let _ = writeln!(o, "        Subject: {}", name(c.subject()));
    public_key(&mut o, &c);
    if !c.extensions().is_empty() {
        o += "        X509v3 extensions:\n";
        for e in c.extensions() {
            extension(&mut o, e);
        }
    }
    let _ = writeln!(o, "    Signature Algorithm: {sig}");
    o += "    Signature Value:\n";
    hex_block(&mut o, &c.signature_value.data, 8, 18);
    Ok(o)
}

/// Small positive serials in decimal and hex on one line; others as bytes, as OpenSSL does
/// when the number does not fit a signed 64-bit integer.
fn serial(o: &mut String, raw: &[u8]) {
    let negative = raw.first().is_some_and(|b| b & 0x80 != 0);
    let start = raw
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    let bytes = &raw[start..];
    let small = (!negative && bytes.len() <= 8)
        .then(|| bytes.iter().fold(0u64, |n, &b| n << 8 | u64::from(b)))
        .filter(|&n| n <= i64::MAX as u64);
    match small {
        Some(n) => {
            let _ = writeln!(o, "        Serial Number: {n} (0x{n:x})");
        }
        None => {
            let neg = if negative { " (Negative)" } else { "" };
            let _ = writeln!(o, "        Serial Number:{neg}");
            let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let _ = writeln!(o, "            {}", hex.join(":"));
        }
    }
}

/// `Nov  1 23:53:25 2025 GMT`.
fn date(t: DateTime<Utc>) -> String {
    t.format("%b %e %H:%M:%S %Y GMT").to_string()
}

/// OpenSSL's short names for the attributes certificates use; others by their dotted OID.
fn attr_name(oid: &Oid<'_>) -> String {
    let id = oid.to_id_string();
    let short = match id.as_str() {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.42" => "GN",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        _ => return id,
    };
    short.to_string()
}

/// `O = system:masters, CN = admin` in certificate order (OpenSSL's one-line form: values
/// with separators quoted, several attributes of one RDN joined with ` + `).
fn name(n: &X509Name<'_>) -> String {
    n.iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|a| {
                    let value = match a.as_str() {
                        Ok(s) => s.to_string(),
                        Err(_) => String::from_utf8_lossy(a.as_slice()).into_owned(),
                    };
                    let special = |c: char| ",+\"\\<>;".contains(c);
                    let value = if value.contains(special) {
                        format!("\"{}\"", value.replace('"', "\\\""))
                    } else {
                        value
                    };
                    format!("{} = {value}", attr_name(a.attr_type()))
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Bytes as `ab:cd:…`, `per_line` to a line, each line indented by `indent`.
fn hex_block(o: &mut String, bytes: &[u8], indent: usize, per_line: usize) {
    let last = bytes.len().saturating_sub(1);
    for (n, chunk) in bytes.chunks(per_line).enumerate() {
        o.push_str(&" ".repeat(indent));
        for (i, b) in chunk.iter().enumerate() {
            let _ = write!(o, "{b:02x}");
            if n * per_line + i != last {
                o.push(':');
            }
        }
        o.push('\n');
    }
}

/// Upper-case hex with colons: key identifiers.
fn hex_colons(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn public_key(o: &mut String, c: &X509Certificate<'_>) {
    let spki = c.public_key();
    o.push_str("        Subject Public Key Info:\n");
    let alg = &spki.algorithm;
    let curve = alg
        .parameters
        .as_ref()
        .and_then(|p| Oid::try_from(p).ok())
        .map(|oid| oid.to_id_string());
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            o.push_str("            Public Key Algorithm: rsaEncryption\n");
            let _ = writeln!(o, "                Public-Key: ({} bit)", rsa.key_size());
            o.push_str("                Modulus:\n");
            // OpenSSL writes the modulus as a positive integer: one leading zero byte when
            // its top bit is set.
            let start = rsa.modulus.iter().position(|&b| b != 0).unwrap_or(0);
            let mut modulus = rsa.modulus[start..].to_vec();
            if modulus.first().is_some_and(|b| b & 0x80 != 0) {
                modulus.insert(0, 0);
            }
            hex_block(o, &modulus, 20, 15);
            let e = rsa
                .exponent
                .iter()
                .fold(0u64, |n, &b| n.wrapping_shl(8) | u64::from(b));
            let _ = writeln!(o, "                Exponent: {e} (0x{e:x})");
        }
        Ok(PublicKey::EC(point)) => {
            let (bits, asn1, nist) = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => (256, "prime256v1", Some("P-256")),
                Some("1.3.132.0.34") => (384, "secp384r1", Some("P-384")),
                Some("1.3.132.0.35") => (521, "secp521r1", Some("P-521")),
                Some(other) => (point.key_size(), other, None),
                None => (point.key_size(), "unknown", None),
            };
            o.push_str("            Public Key Algorithm: id-ecPublicKey\n");
            let _ = writeln!(o, "                Public-Key: ({bits} bit)");
            o.push_str("                pub:\n");
            hex_block(o, point.data(), 20, 15);
            let _ = writeln!(o, "                ASN1 OID: {asn1}");
            if let Some(n) = nist {
                let _ = writeln!(o, "                NIST CURVE: {n}");
            }
        }
        _ if alg.algorithm.to_id_string() == "1.3.101.112" => {
            o.push_str("            Public Key Algorithm: ED25519\n");
            o.push_str("                ED25519 Public-Key:\n");
            o.push_str("                pub:\n");
            hex_block(o, &spki.subject_public_key.data, 20, 15);
        }
        _ => {
            let name = algorithm_name(&alg.algorithm);
            let _ = writeln!(o, "            Public Key Algorithm: {name}");
            hex_block(o, &spki.subject_public_key.data, 16, 15);
        }
    }
}

/// A SAN as OpenSSL's extension printer writes it (`IP Address:`, IPv6 in full).
fn general_name(g: &GeneralName<'_>) -> String {
    match g {
        GeneralName::IPAddress(b) => match ip_addr(b) {
            Some(std::net::IpAddr::V6(a)) => {
                let groups: Vec<String> = a.segments().iter().map(|s| format!("{s:X}")).collect();
                format!("IP Address:{}", groups.join(":"))
            }
            Some(a) => format!("IP Address:{a}"),
            None => "IP Address:<invalid>".to_string(),
        },
        GeneralName::DirectoryName(n) => {
            let parts: String = name(n)
                .split(", ")
                .map(|p| format!("/{}", p.replace(" = ", "=")))
                .collect();
            format!("DirName:{parts}")
        }
        other => super::san(other),
    }
}

/// An extended key usage by OpenSSL's long name.
fn purpose(oid: &Oid<'_>) -> String {
    let id = oid.to_id_string();
    let name = match id.as_str() {
        "1.3.6.1.5.5.7.3.1" => "TLS Web Server Authentication",
        "1.3.6.1.5.5.7.3.2" => "TLS Web Client Authentication",
        "1.3.6.1.5.5.7.3.3" => "Code Signing",
        "1.3.6.1.5.5.7.3.4" => "E-mail Protection",
        "1.3.6.1.5.5.7.3.8" => "Time Stamping",
        "1.3.6.1.5.5.7.3.9" => "OCSP Signing",
        "2.5.29.37.0" => "Any Extended Key Usage",
        _ => return id,
    };
    name.to_string()
}

fn extension(o: &mut String, e: &X509Extension<'_>) {
    let critical = if e.critical { "critical" } else { "" };
    let (title, body): (String, Vec<String>) = match e.parsed_extension() {
        ParsedExtension::KeyUsage(k) => {
            let names = [
                (k.digital_signature(), "Digital Signature"),
                (k.non_repudiation(), "Non Repudiation"),
                (k.key_encipherment(), "Key Encipherment"),
                (k.data_encipherment(), "Data Encipherment"),
                (k.key_agreement(), "Key Agreement"),
                (k.key_cert_sign(), "Certificate Sign"),
                (k.crl_sign(), "CRL Sign"),
                (k.encipher_only(), "Encipher Only"),
                (k.decipher_only(), "Decipher Only"),
            ];
            let on: Vec<&str> = names.iter().filter(|(b, _)| *b).map(|(_, n)| *n).collect();
            ("Key Usage".into(), vec![on.join(", ")])
        }
        ParsedExtension::ExtendedKeyUsage(_) => {
            // In certificate order, as openssl writes them (x509-parser keeps flags).
            let oids: Vec<Oid<'_>> =
                <Vec<Oid<'_>> as FromDer<'_, asn1_rs::Error>>::from_der(e.value)
                    .map(|(_, v)| v)
                    .unwrap_or_default();
            let names: Vec<String> = oids.iter().map(purpose).collect();
            ("Extended Key Usage".into(), vec![names.join(", ")])
        }
        ParsedExtension::BasicConstraints(b) => {
            let mut s = format!("CA:{}", if b.ca { "TRUE" } else { "FALSE" });
            if let Some(n) = b.path_len_constraint {
                let _ = write!(s, ", pathlen:{n}");
            }
            ("Basic Constraints".into(), vec![s])
        }
        ParsedExtension::SubjectKeyIdentifier(k) => {
            ("Subject Key Identifier".into(), vec![hex_colons(k.0)])
        }
        ParsedExtension::AuthorityKeyIdentifier(a) => {
            // A key identifier alone is bare; beside an issuer and serial it is labelled.
            let alone = a.authority_cert_issuer.is_none() && a.authority_cert_serial.is_none();
            let label = if alone { "" } else { "keyid:" };
            let mut lines: Vec<String> = a
                .key_identifier
                .iter()
                .map(|k| format!("{label}{}", hex_colons(k.0)))
                .collect();
            lines.extend(a.authority_cert_issuer.iter().flatten().map(general_name));
            lines.extend(a.authority_cert_serial.map(|s| {
                let start = s.iter().position(|&b| b != 0).unwrap_or(0);
                format!("serial:{}", hex_colons(&s[start..]))
            }));
            ("Authority Key Identifier".into(), lines)
        }
        ParsedExtension::SubjectAlternativeName(s) => {
            let names: Vec<String> = s.general_names.iter().map(general_name).collect();
            ("Subject Alternative Name".into(), vec![names.join(", ")])
        }
        _ => {
            let title = algorithm_name(&e.oid);
            let mut raw = String::new();
            hex_block(&mut raw, e.value, 0, 16);
            (
                title.into_owned(),
                raw.lines().map(str::to_string).collect(),
            )
        }
    };
    let prefix = if matches!(
        e.parsed_extension(),
        ParsedExtension::UnsupportedExtension { .. }
    ) || matches!(e.parsed_extension(), ParsedExtension::ParseError { .. })
    {
        ""
    } else {
        "X509v3 "
    };
    let _ = writeln!(o, "            {prefix}{title}: {critical}");
    for line in body {
        let _ = writeln!(o, "                {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_decimal_when_small_and_bytes_when_large() {
        let mut o = String::new();
        serial(&mut o, &[0x00, 0x75, 0xa9]);
        assert_eq!(o, "        Serial Number: 30121 (0x75a9)\n");
        let mut o = String::new();
        serial(&mut o, &[0x00, 0x80, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(
            o,
            "        Serial Number:\n            80:01:02:03:04:05:06:07\n"
        );
    }

    #[test]
    fn hex_blocks_break_lines_and_end_without_a_colon() {
        let mut o = String::new();
        hex_block(&mut o, &[1, 2, 3, 4, 5], 2, 2);
        assert_eq!(o, "  01:02:\n  03:04:\n  05\n");
    }
}
