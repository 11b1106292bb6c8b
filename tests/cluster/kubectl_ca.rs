//! The fake API server is faithful where the copies of the cluster's CAs live: the real
//! kubectl lists and reads ConfigMaps, service-account token Secrets, webhook configurations
//! and APIServices through it, replaces a ConfigMap with the current resourceVersion and is
//! refused with a stale one, exactly as kube-apiserver answers it.

use base64::Engine;
use kcert_fakeapi::ca_copies::{
    api_service, cluster_info_kubeconfig, config_map, publish, service_account_token,
    webhook_configuration, Publication,
};
use kcert_fakeapi::ServerOptions;

use super::kubectl::parse_table;
use super::util::Env;

const NAMESPACES: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];
const SERVER: &str = "https://192.168.10.11:6443";
const GET_CLUSTER_INFO: [&str; 5] = ["get", "cm", "cluster-info", "-n", "kube-public"];
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.a-service-account-token.c2lnbmF0dXJl";

/// A server holding what a kubeadm cluster publishes, with the server's own CA as the
/// cluster CA and its serving certificate standing in for the front-proxy CA.
async fn published() -> Env {
    let env = Env::start(ServerOptions::default()).await;
    let s = &env.server;
    publish(
        s,
        &Publication {
            namespaces: &NAMESPACES,
            server: SERVER,
            ca_pem: s.ca_pem(),
            front_proxy_ca_pem: s.serving_cert_pem(),
        },
    )
    .unwrap();
    s.put_object(service_account_token(
        "default",
        "builder",
        s.ca_pem(),
        TOKEN,
    ))
    .unwrap();
    s.put_object(config_map("default", "settings", &[("a", "1")]))
        .unwrap();
    s.put_object(webhook_configuration(
        "ValidatingWebhookConfiguration",
        "policy",
        ("policy-system", "policy-webhook"),
        &[
            ("pods.policy.example.com", s.ca_pem()),
            ("svc.policy.example.com", s.ca_pem()),
        ],
    ))
    .unwrap();
    s.put_object(webhook_configuration(
        "MutatingWebhookConfiguration",
        "injector",
        ("mesh", "injector"),
        &[("inject.mesh.example.com", s.serving_cert_pem())],
    ))
    .unwrap();
    s.put_object(api_service(
        "v1beta1",
        "metrics.k8s.io",
        Some(("kube-system", "metrics-server", s.ca_pem())),
    ))
    .unwrap();
    s.put_object(api_service("v1", "apps", None)).unwrap();
    env
}

/// Rows of a table, split on whitespace.
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// What kubectl `args` prints, base64-decoded.
async fn decoded(env: &Env, args: &[&str]) -> Vec<u8> {
    let (ok, out, err) = env.kubectl(args).await;
    assert!(ok, "{args:?}: {err}");
    base64::engine::general_purpose::STANDARD
        .decode(out)
        .unwrap()
}

/// kubectl `args` fails, saying `says`.
async fn refused(env: &Env, args: &[&str], says: &str) {
    let (ok, _, err) = env.kubectl(args).await;
    assert!(!ok && err.contains(says), "{args:?}: {err}");
}

/// `kubectl get cm cluster-info -n kube-public -o yaml`, parsed.
async fn cluster_info_yaml(env: &Env) -> serde_yaml::Value {
    let (ok, out, err) = env
        .kubectl(&[&GET_CLUSTER_INFO[..], &["-o", "yaml"]].concat())
        .await;
    assert!(ok, "{err}");
    serde_yaml::from_str(&out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_lists_and_reads_the_config_maps() {
    let env = published().await;
    let (ok, out, err) = env.kubectl(&["get", "cm", "-A"]).await;
    assert!(ok, "{err}");
    let table = rows(&out);
    assert_eq!(table[0], ["NAMESPACE", "NAME", "DATA", "AGE"], "{out}");
    let mut roots: Vec<&str> = table
        .iter()
        .filter(|r| r[1] == "kube-root-ca.crt")
        .map(|r| r[0].as_str())
        .collect();
    roots.sort();
    assert_eq!(roots, NAMESPACES, "{out}");
    let row = |ns: &str, name: &str| {
        table
            .iter()
            .find(|r| r[0] == ns && r[1] == name)
            .unwrap_or_else(|| panic!("{ns}/{name} in {out}"))
            .clone()
    };
    assert_eq!(row("kube-public", "cluster-info")[2], "2");
    assert_eq!(
        row("kube-system", "extension-apiserver-authentication")[2],
        "6"
    );
    assert!(env
        .server
        .requests()
        .iter()
        .any(|r| r.starts_with("GET /api/v1/configmaps?")));

    // One namespace, by name, as YAML and through jsonpath.
    let (ok, out, err) = env.kubectl(&["get", "cm", "-n", "kube-system"]).await;
    assert!(ok, "{err}");
    let (header, by_name) = parse_table(&out);
    assert_eq!(header, ["NAME", "DATA", "AGE"]);
    assert_eq!(
        by_name.keys().collect::<Vec<_>>(),
        ["extension-apiserver-authentication", "kube-root-ca.crt"]
    );
    let doc = cluster_info_yaml(&env).await;
    assert_eq!(doc["kind"], "ConfigMap");
    assert_eq!(doc["metadata"]["namespace"], "kube-public");
    let kubeconfig = cluster_info_kubeconfig(SERVER, env.server.ca_pem());
    assert_eq!(
        doc["data"]["kubeconfig"].as_str(),
        Some(kubeconfig.as_str())
    );
    let jsonpath = ["-o", "jsonpath={.data.kubeconfig}"];
    let (ok, out, err) = env
        .kubectl(&[&GET_CLUSTER_INFO[..], &jsonpath].concat())
        .await;
    assert!(ok, "{err}");
    assert_eq!(out, kubeconfig);
    let args = ["get", "cm", "cluster-info", "-n", "default"];
    refused(&env, &args, "configmaps \"cluster-info\" not found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_replaces_with_the_current_version_and_is_refused_with_a_stale_one() {
    let env = published().await;
    let get_yaml = || cluster_info_yaml(&env);
    let mut doc = get_yaml().await;
    let first_rv = doc["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    doc["data"]["kubeconfig"] =
        cluster_info_kubeconfig(SERVER, env.server.serving_cert_pem()).into();
    let file = env.dir.path().join("cluster-info.yaml");
    std::fs::write(&file, serde_yaml::to_string(&doc).unwrap()).unwrap();
    let f = file.to_str().unwrap();
    let (ok, out, err) = env.kubectl(&["replace", "-f", f]).await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "configmap/cluster-info replaced");
    let stored = env
        .server
        .object("ConfigMap", Some("kube-public"), "cluster-info")
        .unwrap();
    assert_eq!(
        stored["data"]["kubeconfig"],
        doc["data"]["kubeconfig"].as_str().unwrap()
    );
    assert_ne!(stored["metadata"]["resourceVersion"], first_rv.as_str());
    assert_eq!(
        stored["data"]["jws-kubeconfig-abcdef"],
        doc["data"]["jws-kubeconfig-abcdef"].as_str().unwrap(),
        "the other keys are kept"
    );

    // The same file again carries the version it was read at: now stale.
    let (ok, _, err) = env.kubectl(&["replace", "-f", f]).await;
    assert!(!ok);
    assert_eq!(
        err.trim(),
        format!(
            "Error from server (Conflict): error when replacing \"{f}\": Operation cannot be \
             fulfilled on configmaps \"cluster-info\": the object has been modified; please \
             apply your changes to the latest version and try again"
        )
    );

    // Without a resourceVersion kubectl reads the current one first: an unconditional update.
    let mut fresh = get_yaml().await;
    fresh["metadata"]
        .as_mapping_mut()
        .unwrap()
        .remove("resourceVersion");
    fresh["data"]["extra"] = "x".into();
    std::fs::write(&file, serde_yaml::to_string(&fresh).unwrap()).unwrap();
    let (ok, _, err) = env.kubectl(&["replace", "-f", f]).await;
    assert!(ok, "{err}");
    assert_eq!(get_yaml().await["data"]["extra"], "x");
    assert!(
        env.server.requests().iter().any(|r| r
            .starts_with("PUT /api/v1/namespaces/kube-public/configmaps/cluster-info?")
            && r.contains("fieldValidation=Strict")),
        "{:?}",
        env.server.requests()
    );

    // kubectl leaves field validation to the server, which refuses what a ConfigMap lacks.
    let mut wrong = get_yaml().await;
    wrong["spec"] = serde_yaml::Value::from("x");
    std::fs::write(&file, serde_yaml::to_string(&wrong).unwrap()).unwrap();
    let says = "strict decoding error: unknown field \"spec\"";
    refused(&env, &["replace", "-f", f], says).await;

    // kubectl's own create (protobuf), and a second one refused.
    let (ok, out, err) = env
        .kubectl(&[
            "create",
            "configmap",
            "made-here",
            "-n",
            "default",
            "--from-literal=k=v",
        ])
        .await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "configmap/made-here created");
    let made = env
        .server
        .object("ConfigMap", Some("default"), "made-here")
        .unwrap();
    assert_eq!(made["data"]["k"], "v");
    let args = [
        "create",
        "configmap",
        "made-here",
        "-n",
        "default",
        "--from-literal=k=v",
    ];
    refused(&env, &args, "configmaps \"made-here\" already exists").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_lists_token_secrets_webhooks_and_api_services() {
    let env = published().await;
    let (ok, out, err) = env
        .kubectl(&[
            "get",
            "secrets",
            "-A",
            "--field-selector",
            "type=kubernetes.io/service-account-token",
        ])
        .await;
    assert!(ok, "{err}");
    let table = rows(&out);
    assert_eq!(
        table[0],
        ["NAMESPACE", "NAME", "TYPE", "DATA", "AGE"],
        "{out}"
    );
    assert_eq!(
        table[1][..4],
        [
            "default",
            "builder-token",
            "kubernetes.io/service-account-token",
            "3"
        ]
    );
    assert!(!out.contains("a-service-account-token"), "{out}");
    let ca_crt = "jsonpath={.data.ca\\.crt}";
    let args = [
        "get",
        "secret",
        "builder-token",
        "-n",
        "default",
        "-o",
        ca_crt,
    ];
    assert_eq!(decoded(&env, &args).await, env.server.ca_pem().as_bytes());

    let (ok, out, err) = env
        .kubectl(&["get", "validatingwebhookconfigurations"])
        .await;
    assert!(ok, "{err}");
    let (header, by_name) = parse_table(&out);
    assert_eq!(header, ["NAME", "WEBHOOKS", "AGE"]);
    assert_eq!(by_name["policy"][1], "2");
    let path = "jsonpath={.webhooks[0].clientConfig.caBundle}";
    let args = [
        "get",
        "mutatingwebhookconfiguration",
        "injector",
        "-o",
        path,
    ];
    assert_eq!(
        decoded(&env, &args).await,
        env.server.serving_cert_pem().as_bytes()
    );

    let (ok, out, err) = env.kubectl(&["get", "apiservices"]).await;
    assert!(ok, "{err}");
    let (header, by_name) = parse_table(&out);
    assert_eq!(header, ["NAME", "SERVICE", "AVAILABLE", "AGE"]);
    assert_eq!(
        by_name["v1beta1.metrics.k8s.io"][1..3],
        ["kube-system/metrics-server", "True"]
    );
    assert_eq!(by_name["v1.apps"][1..3], ["Local", "True"]);
    let args = ["get", "apiservice", "v1beta1.metrics.k8s.io", "-o"];
    let args = [&args[..], &["jsonpath={.spec.caBundle}"]].concat();
    assert_eq!(decoded(&env, &args).await, env.server.ca_pem().as_bytes());
    // Nothing the server logs carries a token.
    assert!(!env
        .server
        .requests()
        .concat()
        .contains("service-account-token."));
}
