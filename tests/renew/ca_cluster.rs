//! The cluster side of a CA renewal, against the fake API server seeded with the copies a
//! kubeadm cluster holds of the generated tree's CAs: `kcert ca plan` lists them (current
//! before, old copies with their date after `kcert renew ca`), says what it could not read
//! without the cluster, and `--update-cluster` puts the new certificate into
//! kube-public/cluster-info (read back with the real kubectl), retrying after a 409.

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use chrono::DateTime;
use kcert::demo::TreeLayout;
use kcert::sign::{cert_to_pem, KeySpec};
use kcert_fakeapi::ca_copies::{
    api_service, kube_root_ca, publish, service_account_token, webhook_configuration, Publication,
};
use kcert_fakeapi::{BackgroundServer, ServerOptions, CONCURRENT_WRITES};

use crate::ca::{at, ca_tree, renew_at};
use crate::common::{kcert, parse, read_cert, text};
use crate::util::{assert_unchanged, snapshot};

const NAMESPACES: [&str; 12] = [
    "default",
    "kube-node-lease",
    "kube-public",
    "kube-system",
    "team-01",
    "team-02",
    "team-03",
    "team-04",
    "team-05",
    "team-06",
    "team-07",
    "team-08",
];
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.never-shown.c2ln";

/// A fake API server holding what the cluster of `layout` publishes, and an admin
/// kubeconfig for it.
struct Cluster {
    server: BackgroundServer,
    _dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

fn pem(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn cluster_of(layout: &TreeLayout, opts: ServerOptions) -> Cluster {
    let server = BackgroundServer::start(opts).unwrap();
    let ca = pem(&layout.pki.join("ca.crt"));
    let front_proxy = pem(&layout.pki.join("front-proxy-ca.crt"));
    publish(
        &server,
        &Publication {
            namespaces: &NAMESPACES,
            server: "https://192.168.10.11:6443",
            ca_pem: &ca,
            front_proxy_ca_pem: &front_proxy,
        },
    )
    .unwrap();
    for (ns, sa) in [("default", "builder"), ("team-01", "deployer")] {
        server
            .put_object(service_account_token(ns, sa, &ca, TOKEN))
            .unwrap();
    }
    // A webhook served under the cluster CA, one under its own CA.
    let own_ca = server.ca_pem().to_string();
    server
        .put_object(webhook_configuration(
            "ValidatingWebhookConfiguration",
            "policy",
            ("policy-system", "policy"),
            &[
                ("pods.policy.example.com", &ca),
                ("own.policy.example.com", &own_ca),
            ],
        ))
        .unwrap();
    server
        .put_object(webhook_configuration(
            "MutatingWebhookConfiguration",
            "injector",
            ("mesh", "injector"),
            &[("inject.mesh.example.com", &own_ca)],
        ))
        .unwrap();
    server
        .put_object(api_service(
            "v1beta1",
            "metrics.k8s.io",
            Some(("kube-system", "metrics-server", &ca)),
        ))
        .unwrap();
    server.put_object(api_service("v1", "apps", None)).unwrap();
    let cp = [("node-role.kubernetes.io/control-plane", "")];
    server.add_labeled_node("cp-1", &cp);
    server.add_labeled_node("worker-1", &[]);
    server.add_labeled_node("worker-2", &[]);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("admin.conf");
    server.write_admin_kubeconfig(&kubeconfig).unwrap();
    Cluster {
        server,
        _dir: dir,
        kubeconfig,
    }
}

fn plan(layout: &TreeLayout, ca: &str, kubeconfig: &Path) -> (Output, String) {
    let out = kcert(
        at(),
        &[
            "ca",
            "plan",
            ca,
            "--root",
            layout.root.to_str().unwrap(),
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--timeout",
            "5",
        ],
    );
    let msg = text(&out);
    (out, msg)
}

fn assert_says(msg: &str, lines: &[String]) {
    for l in lines {
        assert!(msg.contains(l.as_str()), "{l:?} in\n{msg}");
    }
}

/// When the CA file's certificate ends, as kcert prints it.
fn end_of(path: &Path) -> String {
    let t = parse(&read_cert(path)).validity().not_after.timestamp();
    kcert::pki::format::datetime(DateTime::from_timestamp(t, 0).unwrap()).to_string()
}

/// The CA data of cluster-info's kubeconfig, read with the real kubectl.
fn cluster_info_ca(c: &Cluster) -> Vec<u8> {
    let out = std::process::Command::new("kubectl")
        .args(["--kubeconfig", c.kubeconfig.to_str().unwrap()])
        .args(["get", "configmap", "cluster-info", "-n", "kube-public"])
        .args(["-o", "jsonpath={.data.kubeconfig}"])
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    let data = doc["clusters"][0]["cluster"]["certificate-authority-data"]
        .as_str()
        .unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap()
}

#[test]
fn the_plan_lists_every_cluster_copy_current_then_old_after_the_renewal() {
    let (_d, layout) = ca_tree(KeySpec::EcdsaP256, 20);
    let c = cluster_of(&layout, ServerOptions::default());
    let ca_path = layout.pki.join("ca.crt");
    let old_end = end_of(&ca_path);
    let (out, msg) = plan(&layout, "ca", &c.kubeconfig);
    assert_eq!(out.status.code(), Some(0), "{msg}");
    assert_says(
        &msg,
        &[
            format!("In the cluster ({}):", c.server.url()),
            "    kube-root-ca.crt ConfigMaps (12 namespaces): 12 current".into(),
            "    kube-public/cluster-info: current".into(),
            "    kube-system/extension-apiserver-authentication client-ca-file: current".into(),
            "    legacy service-account token Secrets' ca.crt (2 Secrets): 2 current".into(),
            "    validating webhook caBundles: 1 of 2 webhooks hold it: 1 current".into(),
            "    mutating webhook caBundles: none of 1 holds it".into(),
            "    APIService caBundles: 1 of 1 APIServices hold it: 1 current".into(),
            "    Nodes: 3 (this node: cp-1); other nodes keep their own copies".into(),
            "worker-1 and worker-2".into(),
            "on worker-1 and worker-2: copy the new ca.crt there and run `kcert ca import <file>`"
                .into(),
        ],
    );
    assert!(!msg.contains("not read"), "{msg}");
    assert!(
        !msg.contains("put the new certificate into kube-public/cluster-info"),
        "{msg}"
    );
    assert!(
        !msg.contains(TOKEN) && !msg.contains("never-shown"),
        "{msg}"
    );

    // The front-proxy CA lives in extension-apiserver-authentication only; its other copies
    // are on the control-plane nodes, and this is the only one.
    let (_, fp) = plan(&layout, "front-proxy-ca", &c.kubeconfig);
    assert_says(
        &fp,
        &[
            "requestheader-client-ca-file: current".into(),
            "Nodes: 3 (this node: cp-1); no other control-plane nodes hold it".into(),
        ],
    );
    assert!(!fp.contains("kube-root-ca.crt ConfigMaps"), "{fp}");

    // Renewed on this node only: every cluster copy is the old one, with its end.
    let out = renew_at(&layout, at(), &["ca", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    // One namespace already refreshed by a restarted controller-manager.
    let new_pem = pem(&ca_path);
    c.server
        .put_object(kube_root_ca("team-05", &new_pem))
        .unwrap();
    let (out, msg) = plan(&layout, "ca", &c.kubeconfig);
    assert_eq!(out.status.code(), Some(0), "{msg}");
    let old = format!("old copy, stops working on {old_end}");
    assert_says(
        &msg,
        &[
            format!(
                "    kube-root-ca.crt ConfigMaps (12 namespaces): 11 {old} (default, \
                 kube-node-lease, kube-public, kube-system, team-01 and 6 more); 1 current"
            ),
            format!("    kube-public/cluster-info: {old}"),
            format!("    legacy service-account token Secrets' ca.crt (2 Secrets): 2 {old}"),
            format!("    validating webhook caBundles: 1 of 2 webhooks hold it: 1 {old}"),
            format!("    APIService caBundles: 1 of 1 APIServices hold it: 1 {old}"),
            "put the new certificate into kube-public/cluster-info".into(),
            format!(
                "Steps, all before {old_end} (when the old copies in the cluster stop working):"
            ),
            "  1. kcert renew ca: done (this node holds a later certificate".into(),
            "; 13 ConfigMap(s) and Secret(s) above still hold the old copy".into(),
            "replace the old copy in the caBundle of validatingwebhookconfiguration/policy \
             webhook pods.policy.example.com and apiservice/v1beta1.metrics.k8s.io"
                .into(),
        ],
    );
    // The apiserver reloads its client CA, so that copy is the apiserver's business.
    assert_says(
        &msg,
        &["kube-apiserver reloads its CA files and republishes it by itself".into()],
    );
}

#[test]
fn without_the_cluster_the_plan_says_what_it_could_not_read_and_why() {
    let (_d, layout) = ca_tree(KeySpec::EcdsaP256, 20);
    let c = cluster_of(&layout, ServerOptions::default());
    let url = c.server.url();
    // Nothing listens there any more.
    drop(c.server);
    let (out, msg) = plan(&layout, "ca", &c.kubeconfig);
    assert_eq!(out.status.code(), Some(0), "{msg}");
    let line = msg
        .lines()
        .find(|l| l.starts_with("In the cluster: not read ("))
        .unwrap_or_else(|| panic!("{msg}"));
    assert!(
        line.contains("kube-root-ca.crt ConfigMaps, kube-public/cluster-info")
            && line.contains("the Node list")
            && line.contains(&url)
            && line.contains("refused"),
        "{line}"
    );
    // The local plan is whole.
    assert_says(
        &msg,
        &[
            "Copies on this node".into(),
            "on every other node: copy the new ca.crt there".into(),
            "restart kube-controller-manager".into(),
        ],
    );

    // No kubeconfig at all.
    let (out, msg) = plan(&layout, "ca", Path::new("/nonexistent/admin.conf"));
    assert_eq!(out.status.code(), Some(0), "{msg}");
    assert!(
        msg.contains("): Cannot use kubeconfig /nonexistent/admin.conf: no such file"),
        "{msg}"
    );

    // Reading Secrets is forbidden: that part says so, the rest is read.
    let opts = ServerOptions {
        deny_resources: vec!["secrets".into()],
        ..ServerOptions::default()
    };
    let c = cluster_of(&layout, opts);
    let (out, msg) = plan(&layout, "ca", &c.kubeconfig);
    assert_eq!(out.status.code(), Some(0), "{msg}");
    assert_says(
        &msg,
        &[
            "    legacy service-account token Secrets' ca.crt: not read: cannot read secrets: \
             forbidden (secrets is forbidden: User \"kubernetes-admin\" cannot list resource \
             \"secrets\""
                .into(),
            "    kube-root-ca.crt ConfigMaps (12 namespaces): 12 current".into(),
        ],
    );
}

fn renew_ca(layout: &TreeLayout, kubeconfig: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["ca", "--update-cluster", "--kubeconfig"];
    args.push(kubeconfig.to_str().unwrap());
    args.extend(extra);
    renew_at(layout, at(), &args)
}

#[test]
fn update_cluster_puts_the_new_ca_into_cluster_info_after_a_conflict() {
    let (_d, layout) = ca_tree(KeySpec::Rsa(2048), 20);
    let c = cluster_of(&layout, ServerOptions::default());
    let ca_path = layout.pki.join("ca.crt");
    let old_end = end_of(&ca_path);

    // A dry run says what would change, and changes nothing here or there.
    let before = snapshot(&layout.root);
    let stored = c
        .server
        .object("ConfigMap", Some("kube-public"), "cluster-info");
    let out = renew_ca(&layout, &c.kubeconfig, &["--dry-run"]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(0), "{msg}");
    assert!(
        msg.contains(&format!(
            "Would update kube-public/cluster-info: its CA data (the old copy, until {old_end}) \
             replaced by the new certificate; nothing was written."
        )),
        "{msg}"
    );
    assert_unchanged(&before, &layout.root);
    assert_eq!(
        c.server
            .object("ConfigMap", Some("kube-public"), "cluster-info"),
        stored
    );

    // Another writer changes cluster-info after each of kcert's first two reads.
    assert!(c
        .server
        .touch_object_after_get("ConfigMap", Some("kube-public"), "cluster-info", 2));
    let out = renew_ca(&layout, &c.kubeconfig, &["--yes"]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(0), "{msg}");
    assert!(
        msg.contains("Updated kube-public/cluster-info: its CA data holds the new certificate")
            && msg.contains("; written on try 3, another writer having changed it meanwhile;"),
        "{msg}"
    );
    assert_says(
        &msg,
        &[
            "These copies refresh by themselves after the restarts:".into(),
            format!(
                "    kube-root-ca.crt ConfigMaps (12 namespaces): 12 old copy, stops working on \
                 {old_end}"
            ),
            "kube-controller-manager republishes them from --root-ca-file after its restart".into(),
        ],
    );
    let puts = c
        .server
        .requests()
        .iter()
        .filter(|r| r.starts_with("PUT /api/v1/namespaces/kube-public/configmaps/cluster-info"))
        .count();
    assert_eq!(puts, 3, "{:?}", c.server.requests());
    // The new certificate, as kubectl reads it; the other writer's change and the
    // signature key kept.
    let new_pem = cert_to_pem(&read_cert(&ca_path)).into_bytes();
    assert_eq!(cluster_info_ca(&c), new_pem);
    let info = c
        .server
        .object("ConfigMap", Some("kube-public"), "cluster-info")
        .unwrap();
    assert_eq!(info["metadata"]["annotations"][CONCURRENT_WRITES], "2");
    assert!(info["data"]["jws-kubeconfig-abcdef"].is_string());
    let kubeconfig = info["data"]["kubeconfig"].as_str().unwrap();
    assert!(
        kubeconfig.contains("server: https://192.168.10.11:6443"),
        "{kubeconfig}"
    );

    // Now the plan sees cluster-info current and drops its step.
    let (_, plan_msg) = plan(&layout, "ca", &c.kubeconfig);
    assert!(
        plan_msg.contains("    kube-public/cluster-info: current"),
        "{plan_msg}"
    );
    assert!(
        !plan_msg.contains("put the new certificate into kube-public/cluster-info"),
        "{plan_msg}"
    );
}

#[test]
fn when_cluster_info_cannot_be_updated_the_renewal_stands_and_says_how_to_finish() {
    let (_d, layout) = ca_tree(KeySpec::EcdsaP256, 20);
    let c = cluster_of(&layout, ServerOptions::default());
    let ca_path = layout.pki.join("ca.crt");
    let old = read_cert(&ca_path);

    // It keeps changing: five conflicts in a row, then kcert gives up.
    assert!(c
        .server
        .touch_object_after_get("ConfigMap", Some("kube-public"), "cluster-info", 100));
    let out = renew_ca(&layout, &c.kubeconfig, &["--yes"]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(msg.contains("Renewed 1 certificate(s)."), "{msg}");
    assert!(
        msg.contains(
            "kube-public/cluster-info was not updated: kube-public/cluster-info kept \
                      changing under kcert: 5 writes in a row met a newer version (409 Conflict)"
        ),
        "{msg}"
    );
    let root = layout.root.to_str().unwrap();
    let later = format!(
        "To update cluster-info later: kcert ca import {} --update-cluster --root {root} \
         --kubeconfig {}",
        ca_path.display(),
        c.kubeconfig.display()
    );
    assert!(msg.contains(&later), "{later:?} in\n{msg}");
    assert_ne!(read_cert(&ca_path), old, "the local renewal stands");
    assert_eq!(cluster_info_ca(&c), cert_to_pem(&old).into_bytes());

    // The command it names does it, once the other writer is quiet.
    assert!(c
        .server
        .touch_object_after_get("ConfigMap", Some("kube-public"), "cluster-info", 0));
    let args: Vec<String> = later
        .trim_start_matches("To update cluster-info later: kcert ")
        .split(' ')
        .map(String::from)
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = kcert(at(), &args);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(0), "{msg}");
    assert!(
        msg.contains("Every copy on this node already holds"),
        "{msg}"
    );
    assert!(msg.contains("Updated kube-public/cluster-info"), "{msg}");
    assert_eq!(
        cluster_info_ca(&c),
        cert_to_pem(&read_cert(&ca_path)).into_bytes()
    );

    // A cluster that does not answer: the renewal stands, exit 1, the same way out.
    let url = c.server.url();
    drop(c.server);
    let out = renew_ca(&layout, &c.kubeconfig, &["--yes"]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(
        msg.contains("Renewed 1 certificate(s).")
            && msg.contains("kube-public/cluster-info was not updated")
            && msg.contains(&url)
            && msg.contains("kcert ca import"),
        "{msg}"
    );
}

#[test]
fn a_user_who_may_only_read_gets_the_api_servers_refusal() {
    let (_d, layout) = ca_tree(KeySpec::EcdsaP256, 20);
    let opts = ServerOptions {
        readers: vec!["viewer".into()],
        ..ServerOptions::default()
    };
    let c = cluster_of(&layout, opts);
    let viewer = c
        .server
        .client("viewer", &[], kcert_fakeapi::Validity::days(30))
        .unwrap();
    let kubeconfig = c._dir.path().join("viewer.conf");
    c.server
        .write_kubeconfig(&kubeconfig, "viewer", &viewer)
        .unwrap();
    // Reading is allowed: the plan reads everything.
    let (_, msg) = plan(&layout, "ca", &kubeconfig);
    assert!(
        msg.contains("    kube-public/cluster-info: current"),
        "{msg}"
    );
    let out = renew_ca(&layout, &kubeconfig, &["--yes"]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(
        msg.contains(
            "kube-public/cluster-info was not updated: the API server refused to write it \
             (403 Forbidden): configmaps \"cluster-info\" is forbidden: User \"viewer\" cannot \
             update resource \"configmaps\""
        ),
        "{msg}"
    );
}

#[test]
fn update_cluster_without_renewing_the_kubernetes_ca_touches_nothing_there() {
    let (_d, layout) = ca_tree(KeySpec::EcdsaP256, 20);
    let c = cluster_of(&layout, ServerOptions::default());
    let before = c
        .server
        .object("ConfigMap", Some("kube-public"), "cluster-info");
    let out = renew_at(
        &layout,
        at(),
        &[
            "front-proxy-ca",
            "--yes",
            "--update-cluster",
            "--kubeconfig",
            c.kubeconfig.to_str().unwrap(),
        ],
    );
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(0), "{msg}");
    assert!(
        msg.contains("which this run did not renew: nothing to update in the cluster"),
        "{msg}"
    );
    assert_eq!(
        c.server
            .object("ConfigMap", Some("kube-public"), "cluster-info"),
        before
    );
    assert!(!c.server.requests().iter().any(|r| r.starts_with("PUT ")));
}
