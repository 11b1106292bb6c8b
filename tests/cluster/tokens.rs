//! Bootstrap tokens read from the Secrets `kubeadm token create` writes (built by the fake
//! API server's kubeadm helpers, not by kcert).

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Secret;
use kcert::cluster::tokens::{valid_extra_group, BootstrapToken};
use kcert::pki::Status;
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
    assert_eq!(t.status(now, true), Some(Status::Expired));
    assert!(valid_extra_group("system:bootstrappers:worker-pool:a1"));
    assert!(!valid_extra_group("system:bootstrappers:"));
    assert!(!valid_extra_group("system:bootstrappers:Upper"));
    assert_eq!(token(&[], None).expires_in(now), "never");
}

/// A kubeadm token lives 24 hours: the certificates' thresholds (7 days critical) would call
/// every one critical. Its own: expired, or expiring while a node is still joining with it.
#[test]
fn a_token_is_judged_by_its_own_measure_not_the_certificates() {
    let now = Utc::now();
    let hours = |h: i64| token(&[], Some(now + chrono::Duration::hours(h)));
    assert_eq!(hours(17).status(now, false), Some(Status::Ok), "17 h left");
    assert_eq!(
        hours(1).status(now, false),
        Some(Status::Ok),
        "nobody joining"
    );
    assert_eq!(
        hours(17).status(now, true),
        Some(Status::Warning),
        "a node is still joining with it"
    );
    assert_eq!(hours(-1).status(now, true), Some(Status::Expired));
    assert_eq!(hours(-1).status(now, false), Some(Status::Expired));
    assert_eq!(token(&[], None).status(now, true), None, "never expires");
}
