//! Verdicts on real CSR objects and PKCS#10 files from public repositories, and on
//! generated requests that each break one rule.

use std::path::Path;

use chrono::Duration;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kcert::cluster::rules::{APISERVER_CLIENT, KUBELET_CLIENT, KUBELET_SERVING};
use kcert::cluster::{Check, CsrView, NodeIndex, Outcome};
use kcert::pki::KeyAlgorithm;
use kcert_fakeapi::make_request;
use kcert_fakeapi::seed::{csr_object, tamper_signature, CsrSpec};
use serde_json::Value;

use super::util::typed;
use crate::common::real_fixtures;

/// A CSR object from YAML or JSON as the API server would store it (base64 unwrapped).
fn object(mut v: Value) -> CertificateSigningRequest {
    if let Some(r) = v["spec"]["request"].as_str() {
        v["spec"]["request"] = r.split_whitespace().collect::<String>().into();
    }
    typed(v)
}

fn from_yaml(fixtures: &Path, rel: &str) -> CertificateSigningRequest {
    let text = std::fs::read_to_string(fixtures.join(rel)).unwrap();
    object(serde_yaml::from_str(&text).unwrap())
}

fn okd(fixtures: &Path, name: &str) -> CertificateSigningRequest {
    let text = std::fs::read_to_string(
        fixtures.join("megahelio__OKD4-Install-guide/Logs/oc-get-csr.json"),
    )
    .unwrap();
    let list: Value = serde_json::from_str(&text).unwrap();
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["metadata"]["name"] == name)
        .unwrap()
        .clone();
    object(item)
}

fn pem_file(fixtures: &Path, rel: &str) -> String {
    std::fs::read_to_string(fixtures.join(rel)).unwrap()
}

fn spec<'a>(
    signer: &'a str,
    requestor: &'a str,
    usages: &'a [&'a str],
    pem: &'a str,
) -> CsrSpec<'a> {
    CsrSpec {
        name: "x",
        signer,
        requestor,
        groups: &[],
        usages,
        expiration_seconds: None,
        request_pem: pem,
        age: Duration::minutes(1),
    }
}

fn judge(csr: &CertificateSigningRequest, nodes: &NodeIndex) -> CsrView {
    CsrView::build(csr, nodes, None)
}

fn judge_spec(s: &CsrSpec<'_>, nodes: &NodeIndex) -> CsrView {
    judge(&typed(csr_object(s)), nodes)
}

fn check<'a>(v: &'a CsrView, rule: &str) -> &'a Check {
    v.verdict
        .checks
        .iter()
        .find(|c| c.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} check in {:#?}", v.verdict))
}

fn failed(v: &CsrView) -> Vec<&'static str> {
    v.verdict.failures().map(|c| c.rule).collect()
}

const OKD_NODE: &str = "okd4-control-plane-1.lab.okd.local";
const SERVING: &[&str] = &["digital signature", "key encipherment", "server auth"];
const CLIENT: &[&str] = &["digital signature", "client auth"];

#[test]
fn okd_kubelet_serving_request_is_valid_when_the_node_reports_its_sans() {
    let fixtures = real_fixtures!();
    let csr = okd(&fixtures, "csr-c7mw4");
    let nodes =
        NodeIndex::from_addresses([(OKD_NODE, vec!["192.168.112.103".into(), OKD_NODE.into()])]);
    let v = judge(&csr, &nodes);
    assert!(v.verdict.passed(), "{:#?}", v.verdict);
    assert_eq!(check(&v, "node-addresses").outcome, Outcome::Pass);
    let req = v.request.as_ref().as_ref().unwrap();
    assert_eq!(req.key_algorithm, KeyAlgorithm::EcdsaP256);
    assert_eq!(
        req.sans(),
        [format!("DNS:{OKD_NODE}"), "IP:192.168.112.103".into()]
    );
    assert_eq!(v.condition, "Approved,Issued");
    let issued = v.certificate.clone().unwrap().unwrap();
    assert_eq!(issued.issuer, "OU=openshift, CN=kubelet-signer");
    assert_eq!(issued.not_after.to_rfc3339(), "2025-05-03T09:16:33+00:00");
}

#[test]
fn a_san_the_node_does_not_report_fails_and_a_missing_node_is_not_checked() {
    let fixtures = real_fixtures!();
    let csr = okd(&fixtures, "csr-c7mw4");
    let moved =
        NodeIndex::from_addresses([(OKD_NODE, vec!["192.168.112.200".into(), OKD_NODE.into()])]);
    let v = judge(&csr, &moved);
    assert_eq!(failed(&v), ["node-addresses"]);
    let c = check(&v, "node-addresses");
    assert!(c.danger && c.reason.contains("192.168.112.103"), "{c:?}");

    let v = judge(
        &csr,
        &NodeIndex::from_addresses(Vec::<(String, Vec<String>)>::new()),
    );
    assert_eq!(check(&v, "node-addresses").outcome, Outcome::NotChecked);
    assert!(v.verdict.passed());
    let v = judge(&csr, &NodeIndex::unreadable());
    assert_eq!(check(&v, "node-addresses").outcome, Outcome::NotChecked);
}

#[test]
fn okd_bootstrap_through_a_service_account_is_not_a_bootstrap_token() {
    let fixtures = real_fixtures!();
    let v = judge(&okd(&fixtures, "csr-dxbnz"), &NodeIndex::unreadable());
    assert_eq!(failed(&v), ["requestor"], "{:#?}", v.verdict);
    for rule in ["cn", "org", "sans", "usages", "request"] {
        assert_eq!(check(&v, rule).outcome, Outcome::Pass, "{rule}");
    }
}

#[test]
fn okd_ovn_client_certificate_for_a_custom_identity_is_valid() {
    let fixtures = real_fixtures!();
    let v = judge(&okd(&fixtures, "csr-c7v77"), &NodeIndex::unreadable());
    assert!(v.verdict.passed(), "{:#?}", v.verdict);
    assert_eq!(v.requested_duration(), "24h");
    assert_eq!(check(&v, "groups").outcome, Outcome::Pass);
}

#[test]
fn vault_wildcard_serving_request_without_a_node_requestor_fails() {
    let fixtures = real_fixtures!();
    let v = judge(
        &from_yaml(&fixtures, "jnditifei__vault-kub/csr.yaml"),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["requestor", "cn"], "{:#?}", v.verdict);
    assert_eq!(check(&v, "duration").reason, "asks for 100d");
    assert_eq!(check(&v, "org").outcome, Outcome::Pass);
}

#[test]
fn line_wrapped_user_request_from_a_homework_repo_is_valid_once_requested() {
    let fixtures = real_fixtures!();
    let mut csr = from_yaml(&fixtures, "Ditry86__kuber-homeworks-2.4/csr.yaml");
    csr.spec.username = Some("kubernetes-admin".into());
    let v = judge(&csr, &NodeIndex::unreadable());
    assert!(v.verdict.passed(), "{:#?}", v.verdict);
    let req = v.request.as_ref().as_ref().unwrap();
    assert_eq!(req.key_algorithm, KeyAlgorithm::Rsa(2048));
    assert_eq!(req.subject, "CN=ditry, O=dev");
    // Without spec.username (a manifest never sets it) nobody can vouch for it.
    csr.spec.username = None;
    assert_eq!(failed(&judge(&csr, &NodeIndex::unreadable())), ["identity"]);
}

#[test]
fn hard_way_admin_and_controller_manager_requests_are_flagged_as_privileged() {
    let fixtures = real_fixtures!();
    let admin = pem_file(
        &fixtures,
        "weibeld__kubernetes-the-hard-way-files/admin.csr",
    );
    let v = judge_spec(
        &spec(APISERVER_CLIENT, "alice", CLIENT, &admin),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["groups"]);
    assert!(v.verdict.is_dangerous());
    assert!(check(&v, "groups").reason.contains("system:masters"));

    let kcm = pem_file(
        &fixtures,
        "weibeld__kubernetes-the-hard-way-files/kube-controller-manager.csr",
    );
    let v = judge_spec(
        &spec(APISERVER_CLIENT, "alice", CLIENT, &kcm),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["impersonation"]);
    assert!(check(&v, "impersonation").danger);
}

#[test]
fn hard_way_worker_request_is_valid_from_its_node_and_an_impostor_from_another() {
    let fixtures = real_fixtures!();
    let pem = pem_file(
        &fixtures,
        "weibeld__kubernetes-the-hard-way-files/worker-0.csr",
    );
    let nodes = NodeIndex::from_addresses([(
        "worker-0",
        vec![
            "worker-0".into(),
            "35.240.61.35".into(),
            "10.240.0.20".into(),
        ],
    )]);
    let own = judge_spec(
        &spec(KUBELET_SERVING, "system:node:worker-0", SERVING, &pem),
        &nodes,
    );
    assert!(own.verdict.passed(), "{:#?}", own.verdict);
    let impostor = judge_spec(
        &spec(KUBELET_SERVING, "system:node:worker-1", SERVING, &pem),
        &nodes,
    );
    assert_eq!(failed(&impostor), ["cn"]);
    assert!(impostor.verdict.is_dangerous());
}

#[test]
fn a_real_request_with_a_flipped_signature_bit_fails() {
    let fixtures = real_fixtures!();
    let pem = pem_file(&fixtures, "cachac__kubelabsAdmin/carlos.csr");
    let good = judge_spec(
        &spec(APISERVER_CLIENT, "admin", CLIENT, &pem),
        &NodeIndex::unreadable(),
    );
    assert!(good.verdict.passed(), "{:#?}", good.verdict);
    let bad = tamper_signature(&pem).unwrap();
    let v = judge_spec(
        &spec(APISERVER_CLIENT, "admin", CLIENT, &bad),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["request"]);
    assert!(check(&v, "request").reason.contains("signature"));
}

#[test]
fn requested_duration_over_one_year_fails() {
    let pem = make_request("dave", &["dev"], &[], &[]).unwrap();
    let mut s = spec(APISERVER_CLIENT, "admin", CLIENT, &pem);
    s.expiration_seconds = Some(365 * 86_400);
    assert!(judge_spec(&s, &NodeIndex::unreadable()).verdict.passed());
    s.expiration_seconds = Some(365 * 86_400 + 1);
    let v = judge_spec(&s, &NodeIndex::unreadable());
    assert_eq!(failed(&v), ["duration"]);
    assert_eq!(v.requested_duration(), "365d");
}

#[test]
fn kubelet_client_rules_cover_sans_usages_org_and_requestor() {
    let plain = make_request("system:node:w1", &["system:nodes"], &[], &[]).unwrap();
    let ok = judge_spec(
        &spec(KUBELET_CLIENT, "system:bootstrap:abcdef", CLIENT, &plain),
        &NodeIndex::unreadable(),
    );
    assert!(ok.verdict.passed(), "{:#?}", ok.verdict);
    let renew = judge_spec(
        &spec(KUBELET_CLIENT, "system:node:w1", CLIENT, &plain),
        &NodeIndex::unreadable(),
    );
    assert!(renew.verdict.passed());
    let other = judge_spec(
        &spec(KUBELET_CLIENT, "system:node:w2", CLIENT, &plain),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&other), ["requestor"]);
    let serving_usage = judge_spec(
        &spec(KUBELET_CLIENT, "system:node:w1", SERVING, &plain),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&serving_usage), ["usages"]);
    let with_san = make_request("system:node:w1", &["system:nodes"], &["w1"], &[]).unwrap();
    let v = judge_spec(
        &spec(KUBELET_CLIENT, "system:node:w1", CLIENT, &with_san),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["sans"]);
    let masters = make_request("system:node:w1", &["system:masters"], &[], &[]).unwrap();
    let v = judge_spec(
        &spec(KUBELET_CLIENT, "system:node:w1", CLIENT, &masters),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["org"]);
}

#[test]
fn kubelet_serving_needs_a_san_and_server_auth_only() {
    let no_san = make_request("system:node:w1", &["system:nodes"], &[], &[]).unwrap();
    let v = judge_spec(
        &spec(KUBELET_SERVING, "system:node:w1", SERVING, &no_san),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["sans"]);
    let pem = make_request("system:node:w1", &["system:nodes"], &["w1"], &[]).unwrap();
    let v = judge_spec(
        &spec(
            KUBELET_SERVING,
            "system:node:w1",
            &["digital signature", "server auth", "client auth"],
            &pem,
        ),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["usages"]);
    assert!(check(&v, "usages").reason.contains("client auth"));
    let v = judge_spec(
        &spec(KUBELET_SERVING, "bob", SERVING, &pem),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["requestor", "cn"]);
}

#[test]
fn cluster_admin_group_and_foreign_node_identity_are_dangerous_anywhere() {
    let pem = make_request("eve", &["kubeadm:cluster-admins"], &[], &[]).unwrap();
    let v = judge_spec(
        &spec(APISERVER_CLIENT, "eve", CLIENT, &pem),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["groups"]);
    let node = make_request("system:node:cp-1", &[], &[], &[]).unwrap();
    let v = judge_spec(
        &spec("example.com/internal", "eve", CLIENT, &node),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["identity"]);
    assert!(v.verdict.is_dangerous());
    let v = judge_spec(
        &spec("kubernetes.io/legacy-unknown", "eve", CLIENT, &pem),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["signer"]);
}

#[test]
fn unreadable_requests_and_pre_v1_objects_get_reasons() {
    let v = judge_spec(
        &spec(APISERVER_CLIENT, "eve", CLIENT, "not a request"),
        &NodeIndex::unreadable(),
    );
    assert_eq!(failed(&v), ["request"]);
    // A v1alpha1 manifest without signerName, read as v1 (the test types only know v1).
    let text = std::fs::read_to_string(
        real_fixtures!().join("kubernetes__kubernetes/hack/testdata/csr.yml"),
    )
    .unwrap();
    let mut raw: Value = serde_yaml::from_str(&text).unwrap();
    raw["apiVersion"] = "certificates.k8s.io/v1".into();
    raw["spec"]["signerName"] = "".into();
    let csr = object(raw);
    let v = judge(&csr, &NodeIndex::unreadable());
    assert_eq!(v.signer_column(), "<none>");
    assert_eq!(v.condition, "Pending");
    assert!(failed(&v).contains(&"signer"), "{:#?}", v.verdict);
}
