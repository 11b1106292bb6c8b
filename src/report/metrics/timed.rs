//! The three families that move with the clock, encoded once per scan with everything but
//! their values: a scrape then only formats three numbers per certificate.
//!
//! `prometheus-client` writes each sample as `name{labels} value\n`; encoding the label sets
//! (a dozen escaped labels per certificate) is most of a scrape's cost, and the labels do not
//! change between scans. So [`Template::build`] lets the crate encode the families once and
//! keeps the text around the values; [`Template::render`] puts the scrape's values back,
//! formatted by the same `itoa`/`dtoa` the crate uses, so the bytes are the crate's own.

use super::{encode, Model, Timed};

/// Which value a sample carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Expired,
    ExpiresIn,
    ValidSince,
}

impl Kind {
    fn of_family(name: &str) -> Option<Kind> {
        match name {
            "x509_cert_expired" => Some(Kind::Expired),
            "x509_cert_expires_in_seconds" => Some(Kind::ExpiresIn),
            "x509_cert_valid_since_seconds" => Some(Kind::ValidSince),
            _ => None,
        }
    }
}

/// Where a value goes: after `text[..end]`, the value of `kind` for certificate `cert`.
#[derive(Debug, Clone, Copy)]
struct Slot {
    end: usize,
    cert: usize,
    kind: Kind,
}

/// The timed families' text without their values.
#[derive(Debug, Default)]
pub(super) struct Template {
    text: String,
    slots: Vec<Slot>,
}

impl Template {
    /// `None` when the encoder's text does not have the expected shape (one sample per
    /// certificate and family): the caller then encodes at each scrape instead.
    pub(super) fn build(model: &std::sync::Arc<Model>) -> Option<Template> {
        let mut encoded = String::new();
        encode(
            &mut encoded,
            Timed {
                model: model.clone(),
                now: 0,
            },
        );
        let mut t = Template {
            text: String::with_capacity(encoded.len()),
            slots: Vec::with_capacity(model.certs.len() * 3),
        };
        let mut family = None;
        let mut next = [0usize; 3];
        for line in encoded.split_inclusive('\n') {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                family = Kind::of_family(rest.split(' ').next().unwrap_or_default());
            }
            if line.starts_with('#') {
                t.text.push_str(line);
                continue;
            }
            // The value is the last field: label values are quoted and escaped, numbers
            // hold no space.
            let (kind, Some(space)) = (family?, line.rfind(' ')) else {
                return None;
            };
            let cert = &mut next[kind as usize];
            t.text.push_str(&line[..=space]);
            t.slots.push(Slot {
                end: t.text.len(),
                cert: *cert,
                kind,
            });
            *cert += 1;
            t.text.push('\n');
        }
        next.iter().all(|&n| n == model.certs.len()).then_some(t)
    }

    /// How long the rendered text will be, near enough to size a buffer.
    pub(super) fn len_hint(&self) -> usize {
        self.text.len() + self.slots.len() * 12
    }

    /// Append the families at `now` (milliseconds since the epoch).
    pub(super) fn render(&self, model: &Model, now: i64, out: &mut String) {
        let mut ints = itoa::Buffer::new();
        let mut floats = dtoa::Buffer::new();
        let mut from = 0;
        for slot in &self.slots {
            out.push_str(&self.text[from..slot.end]);
            from = slot.end;
            let c = &model.certs[slot.cert];
            out.push_str(match slot.kind {
                Kind::Expired => ints.format(c.expired(now)),
                Kind::ExpiresIn => floats.format(c.expires_in(now)),
                Kind::ValidSince => floats.format(c.valid_since(now)),
            });
        }
        out.push_str(&self.text[from..]);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{CertLabels, CertRow, Exposition, Model};
    use crate::pki::Health;

    fn row(path: &str, not_before: i64, not_after: i64) -> CertRow {
        let mut labels = CertLabels::default();
        labels.0[0] = "1234".into();
        labels.0[6] = "kube apiserver \"x\" \\ y".into();
        labels.0[13] = path.rsplit('/').next().unwrap_or_default().into();
        labels.0[14] = path.into();
        CertRow {
            labels,
            not_before,
            not_after,
            chain_ok: true,
            key_match: Some(true),
            wrong_ca: false,
            served: None,
            health: Health::Ok,
        }
    }

    /// The template's text is byte for byte what prometheus-client writes at the same clock,
    /// for label values with spaces, quotes, backslashes, newlines and wide characters, and
    /// for certificates before, within and after their validity.
    #[test]
    fn a_scrape_from_the_template_is_the_encoders_own_text() {
        let model = Arc::new(Model {
            certs: vec![
                row(
                    "/etc/kubernetes/pki/apiserver.crt",
                    1_700_000_000,
                    1_800_000_000,
                ),
                row("/srv/my certs/a b.crt", 1_600_000_000, 1_650_000_000),
                row("/srv/odd\n\"name\"\\證書.crt", 1_900_000_000, 2_000_000_000),
            ],
            ..Model::default()
        });
        let e = Exposition::build_from(model);
        assert!(e.timed.is_some(), "the template was built");
        for now in [0, 1_650_000_000_123, 1_750_000_000_999, 1_950_000_000_000] {
            let mut fast = String::new();
            e.timed.as_deref().unwrap().render(&e.model, now, &mut fast);
            let mut reference = String::new();
            e.encode_timed(now, &mut reference);
            assert_eq!(fast, reference, "at {now} ms");
        }
        let text = e.render(chrono::DateTime::from_timestamp(1_650_000_001, 0).unwrap());
        let expired: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("x509_cert_expired{"))
            .map(|l| l.rsplit(' ').next().unwrap())
            .collect();
        assert_eq!(expired, ["0", "1", "0"], "{text}");
        assert!(text.contains("x509_cert_expires_in_seconds{"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn no_certificates_give_no_timed_families() {
        let e = Exposition::build_from(Arc::new(Model::default()));
        let text = e.render(chrono::DateTime::from_timestamp(0, 0).unwrap());
        assert!(!text.contains("x509_cert_expired"), "{text}");
    }
}
