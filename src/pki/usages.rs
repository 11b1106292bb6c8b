//! A certificate's key usages and extended key usages, as one bit each for the named ones:
//! a list of strings per certificate was a tenth of a large inventory.

/// The names the CSR API uses, in the order kcert lists them: key usages, then extended.
const NAMES: [&str; 16] = [
    "digital signature",
    "content commitment",
    "key encipherment",
    "data encipherment",
    "key agreement",
    "cert sign",
    "crl sign",
    "encipher only",
    "decipher only",
    "any",
    "server auth",
    "client auth",
    "code signing",
    "email protection",
    "timestamping",
    "ocsp signing",
];

/// Key usage and extended key usage in the names the CSR API uses (`digital signature`,
/// `server auth`); extended usages without a name as dotted OIDs, after the named ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usages {
    named: u16,
    other: Option<Box<[String]>>,
}

impl Usages {
    /// `flags[i]`: whether the usage `NAMES[i]` is there; `other`: unnamed extended usages.
    pub(super) fn new(flags: [bool; 16], other: Vec<String>) -> Self {
        let named = (0..16).filter(|&i| flags[i]).fold(0u16, |n, i| n | 1 << i);
        Usages {
            named,
            other: (!other.is_empty()).then(|| other.into_boxed_slice()),
        }
    }

    /// From names in any order; names kcert does not know are kept as they are.
    pub fn from_names<S: AsRef<str> + Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        let mut out = Usages::default();
        let mut other = Vec::new();
        for name in names {
            match NAMES.iter().position(|n| *n == name.as_ref()) {
                Some(bit) => out.named |= 1 << bit,
                None => other.push(name.into()),
            }
        }
        out.other = (!other.is_empty()).then(|| other.into_boxed_slice());
        out
    }

    /// Every usage, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let named = NAMES
            .iter()
            .enumerate()
            .filter(|(bit, _)| self.named & (1 << bit) != 0)
            .map(|(_, n)| *n);
        named.chain(self.other.iter().flatten().map(String::as_str))
    }

    pub fn is_empty(&self) -> bool {
        self.named == 0 && self.other.is_none()
    }

    /// `digital signature, server auth`
    pub fn join(&self, separator: &str) -> String {
        self.iter().collect::<Vec<_>>().join(separator)
    }
}

impl serde::Serialize for Usages {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_back_in_kcert_order_with_unknown_ones_last() {
        let u = Usages::from_names(["client auth", "1.2.3.4", "digital signature", "any"]);
        assert_eq!(
            u.iter().collect::<Vec<_>>(),
            ["digital signature", "any", "client auth", "1.2.3.4"]
        );
        assert_eq!(
            serde_json::to_string(&u).unwrap(),
            r#"["digital signature","any","client auth","1.2.3.4"]"#
        );
        assert!(Usages::from_names(Vec::<String>::new()).is_empty());
        assert_eq!(Usages::from_names(NAMES).iter().count(), NAMES.len());
    }
}
