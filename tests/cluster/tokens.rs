//! Bootstrap tokens read from the Secrets `kubeadm token create` writes (built by the fake
//! API server's kubeadm helpers, not by kcert).

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Secret;
use kcert::cluster::tokens::{valid_extra_group, BootstrapToken};
use kcert::pki::{Status, Thresholds};
use kcert_fakeapi::kubeadm::bootstrap_token;

fn token(groups: &[&str], expiration: Option<DateTime<Utc>>) -> BootstrapToken {
    let secret: Secret = serde_json::from_value(bootstrap_token(
        "abcdef",
        "0123456789abcdef",
        "d",
        expiration,
        groups,
    ))
    .unwrap();
    BootstrapToken::from_secret(&secret).unwrap()
}

#[test]
fn a_kubeadm_token_reads_without_its_secret() {
    let now = Utc::now();
    let t = token(
        &["system:bootstrappers:kubeadm:default-node-token"],
        Some(now + chrono::Duration::hours(5)),
    );
    assert_eq!(t.id, "abcdef");
    assert_eq!(t.usages, ["authentication", "signing"]);
    assert_eq!(t.username(), "system:bootstrap:abcdef");
    assert_eq!(
        t.groups(),
        [
            "system:bootstrappers",
            "system:bootstrappers:kubeadm:default-node-token"
        ]
    );
    assert!(t.defects.is_empty());
    assert_eq!(t.status(now, Thresholds::default()), Some(Status::Critical));
    assert!(t.authenticates(now));
    let shown = format!("{t:?}{}", serde_json::to_string(&t).unwrap());
    assert!(!shown.contains("0123456789abcdef"), "{shown}");
}

#[test]
fn bad_groups_and_expiry_are_defects() {
    let now = Utc::now();
    let t = token(&["system:nodes"], Some(now - chrono::Duration::hours(1)));
    assert_eq!(t.defects.len(), 1, "{:?}", t.defects);
    assert!(t.defects[0].contains("system:nodes"));
    assert!(!t.authenticates(now));
    assert_eq!(t.status(now, Thresholds::default()), Some(Status::Expired));
    assert!(valid_extra_group("system:bootstrappers:worker-pool:a1"));
    assert!(!valid_extra_group("system:bootstrappers:"));
    assert!(!valid_extra_group("system:bootstrappers:Upper"));
    assert_eq!(token(&[], None).expires_in(now), "never");
}
