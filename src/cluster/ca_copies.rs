//! The copies of a CA certificate in the cluster, for `kcert ca plan`: what was read
//! ([`ClusterCopies`], read once for every CA by [`super::ca_read`]) and how each copy stands
//! against a local CA, judged by subject and public key like the copies on the node
//! ([`crate::pki::copy_of_ca`]). Pure.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::pki::{self, decode};

/// Where copies live, and who refreshes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    RootCaConfigMaps,
    ClusterInfo,
    ClientCaFile,
    RequestHeaderCaFile,
    TokenSecrets,
    ValidatingWebhooks,
    MutatingWebhooks,
    ApiServices,
}

impl Place {
    pub const ALL: [Place; 8] = [
        Place::RootCaConfigMaps,
        Place::ClusterInfo,
        Place::ClientCaFile,
        Place::RequestHeaderCaFile,
        Place::TokenSecrets,
        Place::ValidatingWebhooks,
        Place::MutatingWebhooks,
        Place::ApiServices,
    ];

    /// What it is, in words.
    pub fn title(self) -> &'static str {
        match self {
            Place::RootCaConfigMaps => "kube-root-ca.crt ConfigMaps",
            Place::ClusterInfo => "kube-public/cluster-info",
            Place::ClientCaFile => "kube-system/extension-apiserver-authentication client-ca-file",
            Place::RequestHeaderCaFile => {
                "kube-system/extension-apiserver-authentication requestheader-client-ca-file"
            }
            Place::TokenSecrets => "legacy service-account token Secrets' ca.crt",
            Place::ValidatingWebhooks => "validating webhook caBundles",
            Place::MutatingWebhooks => "mutating webhook caBundles",
            Place::ApiServices => "APIService caBundles",
        }
    }

    /// Who brings it up to date, and when.
    pub fn refresh(self) -> &'static str {
        match self {
            Place::RootCaConfigMaps => {
                "kube-controller-manager republishes them from --root-ca-file after its restart"
            }
            Place::ClusterInfo => {
                "kubeadm join reads it; its discovery hash is of the public key, so it stays \
                 valid; nothing refreshes it: `kcert renew ca --update-cluster` updates it"
            }
            Place::ClientCaFile | Place::RequestHeaderCaFile => {
                "kube-apiserver reloads its CA files and republishes it by itself"
            }
            Place::TokenSecrets => "kube-controller-manager rewrites them after its restart",
            Place::ValidatingWebhooks | Place::MutatingWebhooks | Place::ApiServices => {
                "nothing refreshes them: update each where it was installed (its chart, \
                 operator or manifest)"
            }
        }
    }

    /// The kubeadm CA (`ca`, `front-proxy-ca`) every kubeadm cluster keeps here; the others
    /// are listed only where they hold a copy.
    pub fn expected(self) -> Option<&'static str> {
        match self {
            Place::RootCaConfigMaps
            | Place::ClusterInfo
            | Place::ClientCaFile
            | Place::TokenSecrets => Some("ca"),
            Place::RequestHeaderCaFile => Some("front-proxy-ca"),
            _ => None,
        }
    }

    /// One object (`kube-public/cluster-info`) rather than one per namespace or webhook.
    pub fn single(self) -> bool {
        matches!(
            self,
            Place::ClusterInfo | Place::ClientCaFile | Place::RequestHeaderCaFile
        )
    }
}

/// The certificates one object holds: `name` says which (`kube-system`,
/// `validatingwebhookconfiguration/policy webhook pods.example.com`); `pem` is `None` when
/// the object or its key is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub name: String,
    pub pem: Option<Vec<u8>>,
}

/// A Node of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterNode {
    pub name: String,
    pub control_plane: bool,
}

/// Everything read from the cluster; each part on its own, so one forbidden list does not
/// hide the rest (`Err` is why it could not be read, in words).
#[derive(Debug, Clone)]
pub struct ClusterCopies {
    pub server: String,
    pub places: Vec<(Place, Result<Vec<Held>, String>)>,
    pub nodes: Result<Vec<ClusterNode>, String>,
}

/// How one copy stands against the CA on this node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum CopyState {
    /// It holds this very certificate.
    Current,
    /// An older certificate of the same CA (same subject and key): trusted until `until`.
    Old {
        until: DateTime<Utc>,
    },
    /// A later certificate of the same CA than this node's: this node needs it.
    Newer {
        until: DateTime<Utc>,
    },
    /// Certificates of another CA only.
    Other {
        subject: String,
    },
    Absent,
    /// Bytes without a certificate.
    NoCertificate,
}

impl CopyState {
    /// Whether it holds the CA at all (any certificate of it).
    pub fn holds(&self) -> bool {
        matches!(
            self,
            CopyState::Current | CopyState::Old { .. } | CopyState::Newer { .. }
        )
    }

    /// `current`, `old copy, stops working on 2027-01-30 08:00 UTC`, ...
    pub fn text(&self, now: DateTime<Utc>) -> String {
        let date = |t: &DateTime<Utc>| pki::format::datetime(*t).to_string();
        match self {
            CopyState::Current => "current".into(),
            CopyState::Old { until } if *until > now => {
                format!("old copy, stops working on {}", date(until))
            }
            CopyState::Old { until } => format!("old copy, stopped working on {}", date(until)),
            CopyState::Newer { until } => format!(
                "a newer copy than this node's (until {}): `kcert ca import` it here",
                date(until)
            ),
            CopyState::Other { subject } => format!("another CA ({subject})"),
            CopyState::Absent => "absent".into(),
            CopyState::NoCertificate => "no certificate in it".into(),
        }
    }
}

/// How the bundle `pem` stands against the CA certificate `ca_der`: the best of its blocks.
pub fn judge(pem: Option<&[u8]>, ca_der: &[u8]) -> CopyState {
    let Some(pem) = pem else {
        return CopyState::Absent;
    };
    let ders = decode::certificates(pem);
    let ca_end = decode::certificate(ca_der)
        .map(|c| decode::validity(&c).1)
        .ok();
    let same_key = ders.iter().filter_map(|d| pki::copy_of_ca(d, ca_der)).max();
    // A newer copy is news even beside the current one: this node should import it.
    match (same_key, ca_end) {
        (Some(until), Some(end)) if until > end => CopyState::Newer { until },
        _ if ders.iter().any(|d| d == ca_der) => CopyState::Current,
        (Some(until), _) => CopyState::Old { until },
        (None, _) => match ders.first().and_then(|d| decode::certificate(d).ok()) {
            Some(c) => CopyState::Other {
                subject: c.subject().to_string(),
            },
            None => CopyState::NoCertificate,
        },
    }
}

/// One place's copies of a CA.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub place: Place,
    /// `(which object, its state)`; for places that need not hold this CA, only those that do.
    pub copies: Result<Vec<(String, CopyState)>, String>,
    /// How many objects were looked at.
    pub checked: usize,
}

/// The places that matter for CA `ca_der` (named `name` by kubeadm, if it is one of its
/// CAs): those that should hold it, with every object; those that may (webhooks,
/// APIServices), with the objects that do; and any other place that holds it.
pub fn findings(copies: &ClusterCopies, ca_der: &[u8], name: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (place, read) in &copies.places {
        let expected = place.expected().is_some() && place.expected() == name;
        let relevant = expected || place.expected().is_none();
        let found = match read {
            Err(e) => Err(e.clone()),
            Ok(held) => Ok(held
                .iter()
                .map(|h| (h.name.clone(), judge(h.pem.as_deref(), ca_der)))
                .filter(|(_, s)| expected || s.holds())
                .collect::<Vec<_>>()),
        };
        let worth = match &found {
            Ok(list) => relevant || !list.is_empty(),
            Err(_) => relevant,
        };
        if worth {
            out.push(Finding {
                place: *place,
                copies: found,
                checked: read.as_ref().map_or(0, Vec::len),
            });
        }
    }
    out
}

/// `3 current; 2 old copy, stops working on DATE (kube-system, default)`: the copies grouped
/// by state; the objects are named (at most `names` of them) for a state other than
/// `current` that not all of them share.
pub fn grouped(copies: &[(String, CopyState)], now: DateTime<Utc>, names: usize) -> String {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for (name, state) in copies {
        let text = state.text(now);
        match groups.iter_mut().find(|(t, _)| *t == text) {
            Some((_, list)) => list.push(name),
            None => groups.push((text, vec![name])),
        }
    }
    groups
        .iter()
        .map(|(text, list)| {
            if text == "current" || list.len() == copies.len() {
                return format!("{} {text}", list.len());
            }
            let shown: Vec<&str> = list.iter().take(names).copied().collect();
            let more = match list.len().saturating_sub(names) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            format!("{} {text} ({}{more})", list.len(), shown.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::{cert_to_pem, resign_ca, test_ca, KeySpec};
    use chrono::Duration;

    /// A CA ending in 10 days, and the same CA re-signed to end in ten years.
    fn old_and_new() -> (Vec<u8>, Vec<u8>, DateTime<Utc>) {
        let (old, key) = test_ca(KeySpec::EcdsaP256);
        let now = Utc::now();
        let new = resign_ca(&old, &key, now, now + Duration::days(3650)).unwrap();
        let end = decode::validity(&decode::certificate(&old).unwrap()).1;
        (old, new, end)
    }

    /// Another CA of the same name.
    fn other_ca() -> Vec<u8> {
        test_ca(KeySpec::EcdsaP256).0
    }

    fn pem(ders: &[&[u8]]) -> Vec<u8> {
        ders.iter()
            .map(|d| cert_to_pem(d))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn copies_are_judged_by_subject_and_key_not_bytes() {
        let (old, new, old_end) = old_and_new();
        let other = other_ca();
        assert_eq!(judge(Some(&pem(&[&new])), &new), CopyState::Current);
        assert_eq!(
            judge(Some(&pem(&[&old])), &new),
            CopyState::Old { until: old_end }
        );
        // This node still has the old one; the cluster has the renewed one.
        assert!(matches!(
            judge(Some(&pem(&[&new])), &old),
            CopyState::Newer { .. }
        ));
        // A bundle that trusts both is current.
        assert_eq!(
            judge(Some(&pem(&[&other, &old, &new])), &new),
            CopyState::Current
        );
        // ... unless this node holds the older one: the newer beside it is to be imported.
        assert!(matches!(
            judge(Some(&pem(&[&old, &new])), &old),
            CopyState::Newer { .. }
        ));
        // Same name, another key: another CA.
        assert_eq!(
            judge(Some(&pem(&[&other])), &new),
            CopyState::Other {
                subject: "CN=kubernetes".into()
            }
        );
        assert_eq!(judge(None, &new), CopyState::Absent);
        assert_eq!(judge(Some(b"not pem"), &new), CopyState::NoCertificate);
    }

    #[test]
    fn many_copies_are_grouped_and_only_the_odd_ones_named() {
        let now = Utc::now();
        let until = now + Duration::days(3);
        let old = CopyState::Old { until };
        let mut copies: Vec<(String, CopyState)> =
            (0..8).map(|i| (format!("ns-{i}"), old.clone())).collect();
        let date = crate::pki::format::datetime(until);
        assert_eq!(
            grouped(&copies, now, 5),
            format!("8 old copy, stops working on {date}")
        );
        copies.push(("fresh".into(), CopyState::Current));
        assert_eq!(
            grouped(&copies, now, 5),
            format!(
                "8 old copy, stops working on {date} (ns-0, ns-1, ns-2, ns-3, ns-4 and 3 more); \
                 1 current"
            )
        );
        assert_eq!(
            CopyState::Old {
                until: now - Duration::days(1)
            }
            .text(now),
            format!(
                "old copy, stopped working on {}",
                crate::pki::format::datetime(now - Duration::days(1))
            )
        );
    }

    #[test]
    fn findings_keep_the_expected_places_and_the_bundles_that_hold_it() {
        let (_, new, _) = old_and_new();
        let other = other_ca();
        let held = |name: &str, der: &[u8]| Held {
            name: name.into(),
            pem: Some(pem(&[der])),
        };
        let copies = ClusterCopies {
            server: "https://x".into(),
            places: vec![
                (Place::RootCaConfigMaps, Ok(vec![held("default", &new)])),
                (Place::RequestHeaderCaFile, Ok(vec![held("rh", &other)])),
                (
                    Place::ValidatingWebhooks,
                    Ok(vec![held("a", &new), held("b", &other)]),
                ),
                (
                    Place::ApiServices,
                    Err("cannot read apiservices: forbidden".into()),
                ),
                (
                    Place::TokenSecrets,
                    Err("cannot read secrets: forbidden".into()),
                ),
            ],
            nodes: Ok(Vec::new()),
        };
        let f = findings(&copies, &new, Some("ca"));
        let places: Vec<Place> = f.iter().map(|f| f.place).collect();
        // The front-proxy CA's place holds another CA: not this CA's business.
        assert_eq!(
            places,
            [
                Place::RootCaConfigMaps,
                Place::ValidatingWebhooks,
                Place::ApiServices,
                Place::TokenSecrets
            ]
        );
        let hooks = f[1].copies.as_ref().unwrap();
        assert_eq!(hooks, &[("a".to_string(), CopyState::Current)]);
        assert_eq!(f[1].checked, 2);
        // etcd-ca is expected nowhere: only the unread places it could be in are said.
        let f = findings(&copies, &other_ca(), Some("etcd-ca"));
        let places: Vec<Place> = f.iter().map(|f| f.place).collect();
        assert_eq!(places, [Place::ValidatingWebhooks, Place::ApiServices]);
    }
}
