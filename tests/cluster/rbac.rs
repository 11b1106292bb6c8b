//! kcert's RBAC answers on the ClusterRoles and bindings kubeadm creates (built by the fake
//! API server's kubeadm helpers, not by kcert).

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use kcert::cluster::rbac::{granting, role_allows, subjects_text, Request, Requester};
use kcert_fakeapi::kubeadm::{binding, cluster_role};

fn role(groups: &[&str], resources: &[&str], verbs: &[&str]) -> ClusterRole {
    serde_json::from_value(cluster_role("r", groups, resources, verbs)).unwrap()
}

const NODECLIENT: Request<'static> = Request {
    verb: "create",
    group: "certificates.k8s.io",
    resource: "certificatesigningrequests/nodeclient",
};

#[test]
fn wildcards_and_subresources_match_like_rbac() {
    let g = ["certificates.k8s.io"];
    assert!(role_allows(
        &role(&g, &["certificatesigningrequests/nodeclient"], &["create"]),
        &NODECLIENT
    ));
    assert!(role_allows(&role(&["*"], &["*"], &["*"]), &NODECLIENT));
    assert!(role_allows(
        &role(&g, &["*/nodeclient"], &["create"]),
        &NODECLIENT
    ));
    assert!(!role_allows(
        &role(&g, &["certificatesigningrequests"], &["create"]),
        &NODECLIENT
    ));
    assert!(!role_allows(
        &role(&g, &["certificatesigningrequests/nodeclient"], &["get"]),
        &NODECLIENT
    ));
    assert!(!role_allows(
        &role(
            &[""],
            &["certificatesigningrequests/nodeclient"],
            &["create"]
        ),
        &NODECLIENT
    ));
}

#[test]
fn a_binding_grants_only_its_subjects_and_only_with_an_existing_role() {
    let roles: Vec<ClusterRole> = vec![serde_json::from_value(cluster_role(
        "nc",
        &["certificates.k8s.io"],
        &["certificatesigningrequests/nodeclient"],
        &["create"],
    ))
    .unwrap()];
    let b: ClusterRoleBinding = serde_json::from_value(binding("b", "nc", &["g1"])).unwrap();
    let dangling: ClusterRoleBinding =
        serde_json::from_value(binding("d", "gone", &["g2"])).unwrap();
    let bindings = vec![b, dangling];
    let who = |g: &str| Requester {
        user: None,
        groups: vec![g.into()],
    };
    assert!(granting(&bindings, &roles, &who("g1"), &NODECLIENT).is_some());
    assert!(granting(&bindings, &roles, &who("g2"), &NODECLIENT).is_none());
    assert!(granting(&bindings, &roles, &who("g3"), &NODECLIENT).is_none());
    assert_eq!(subjects_text(&bindings[0]), "Group g1");
}
