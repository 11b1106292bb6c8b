//! Connection failures become plain-words banners: refused port, expired server
//! certificate (same as or older than the local apiserver.crt), expired client certificate,
//! RBAC denial, silence, a foreign CA, and no kubeconfig at all.

use std::time::Duration;

use chrono::{DateTime, Utc};
use kcert::cluster::diagnose::LocalServerCert;
use kcert::cluster::{connect, Access, Diagnosis, Locations};
use kcert_fakeapi::{ServerOptions, TestServer, Validity};

use super::util::Env;

fn access(kubeconfig: &std::path::Path) -> Access {
    Access {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        timeout: Duration::from_secs(2),
        ..Access::default()
    }
}

async fn failure(access: &Access, loc: &Locations) -> Diagnosis {
    connect(access, loc).await.expect_err("must not connect")
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_port_means_the_api_server_is_down() {
    let env = Env::start(ServerOptions::default()).await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let text = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let moved = text.replace(&env.server.url(), &format!("https://127.0.0.1:{port}"));
    std::fs::write(&env.kubeconfig, moved).unwrap();
    let d = failure(&env.access(), &env.locations()).await;
    assert_eq!(
        d,
        Diagnosis::Refused {
            server: format!("https://127.0.0.1:{port}")
        }
    );
    assert!(
        d.banner().contains("Connection refused") && d.banner().contains("not running"),
        "{d}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_serving_certificate_is_named_and_compared_with_apiserver_crt() {
    let opts = ServerOptions {
        serving_validity: Validity::expired(12),
        ..ServerOptions::default()
    };
    let env = Env::start(opts).await;
    // kubeadm's layout: /etc/kubernetes/admin.conf beside /etc/kubernetes/pki/apiserver.crt.
    let pki = env.dir.path().join("pki");
    std::fs::create_dir_all(&pki).unwrap();
    std::fs::write(pki.join("apiserver.crt"), env.server.serving_cert_pem()).unwrap();
    let d = failure(&env.access(), &env.locations()).await;
    let Diagnosis::ServerCertExpired {
        expired,
        local: Some(LocalServerCert {
            same: true, path, ..
        }),
        ..
    } = &d
    else {
        panic!("{d:?}")
    };
    assert_eq!(day(*expired), day(Utc::now() - chrono::Duration::days(12)));
    assert_eq!(path, &pki.join("apiserver.crt"));
    let banner = d.banner();
    assert!(
        banner.contains(&day(*expired)) && banner.contains("kubeadm certs renew apiserver"),
        "{banner}"
    );

    // The file on disk was renewed but kube-apiserver still serves the old one.
    let renewed = TestServer::start(ServerOptions::default()).await.unwrap();
    std::fs::write(pki.join("apiserver.crt"), renewed.serving_cert_pem()).unwrap();
    let d = failure(&env.access(), &env.locations()).await;
    assert!(
        matches!(
            &d,
            Diagnosis::ServerCertExpired {
                local: Some(LocalServerCert { same: false, .. }),
                ..
            }
        ),
        "{d:?}"
    );
    assert!(
        d.banner().contains("restart kube-apiserver to serve it"),
        "{d}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_client_certificate_names_the_kubeconfig_and_the_renew_command() {
    let env = Env::start(ServerOptions::default()).await;
    let id = env
        .server
        .client(
            "kubernetes-admin",
            &["kubeadm:cluster-admins"],
            Validity::expired(3),
        )
        .unwrap();
    env.server
        .write_kubeconfig(&env.kubeconfig, "kubernetes-admin", &id)
        .unwrap();
    let d = failure(&env.access(), &env.locations()).await;
    let Diagnosis::ClientCertExpired {
        file,
        user,
        expired,
        kubeadm_name,
    } = &d
    else {
        panic!("{d:?}")
    };
    assert_eq!(file, &env.kubeconfig);
    assert_eq!(user, "kubernetes-admin");
    assert_eq!(kubeadm_name.as_deref(), Some("admin.conf"));
    assert_eq!(day(*expired), day(Utc::now() - chrono::Duration::days(3)));
    let banner = d.banner();
    assert!(
        banner.contains("kubeadm certs renew admin.conf") && banner.contains(&day(*expired)),
        "{banner}"
    );
    // The server answers like kube-apiserver: 401, which kubectl reports too.
    let (ok, _, err) = env.kubectl(&["get", "csr"]).await;
    assert!(
        !ok && err.contains("You must be logged in to the server"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_rights_gets_the_forbidden_banner() {
    let env = Env::start(ServerOptions::default()).await;
    let id = env
        .server
        .client("viewer", &["dev"], Validity::days(30))
        .unwrap();
    env.server
        .write_kubeconfig(&env.kubeconfig, "viewer", &id)
        .unwrap();
    let d = failure(&env.access(), &env.locations()).await;
    let Diagnosis::Forbidden { user, message } = &d else {
        panic!("{d:?}")
    };
    assert_eq!(user, "viewer");
    assert!(
        message.contains("User \"viewer\" cannot list resource \"certificatesigningrequests\""),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_is_a_timeout_and_a_foreign_ca_is_named() {
    let env = Env::start(ServerOptions::default()).await;
    // Accepts TCP, never speaks TLS.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let text = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let quiet = env.dir.path().join("quiet.conf");
    std::fs::write(
        &quiet,
        text.replace(&env.server.url(), &format!("https://{addr}")),
    )
    .unwrap();
    let d = failure(&access(&quiet), &env.locations()).await;
    assert!(matches!(d, Diagnosis::Timeout { .. }), "{d:?}");
    assert!(d.banner().contains("No answer"), "{d}");
    holder.abort();

    // A kubeconfig whose CA is another cluster's.
    let other = TestServer::start(ServerOptions::default()).await.unwrap();
    let foreign = env.dir.path().join("foreign.conf");
    let id = env
        .server
        .client(
            "kubernetes-admin",
            &["kubeadm:cluster-admins"],
            Validity::days(30),
        )
        .unwrap();
    env.server
        .write_kubeconfig(&foreign, "kubernetes-admin", &id)
        .unwrap();
    let text = std::fs::read_to_string(&foreign).unwrap();
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    std::fs::write(
        &foreign,
        text.replace(&b64(env.server.ca_pem()), &b64(other.ca_pem())),
    )
    .unwrap();
    let d = failure(&access(&foreign), &env.locations()).await;
    assert!(
        matches!(&d, Diagnosis::ServerCertRejected { reason, .. } if reason.contains("not signed by the CA")),
        "{d:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeconfig_search_order_and_missing_kubeconfig() {
    let env = Env::start(ServerOptions::default()).await;
    let etc = env.dir.path().join("etc-kubernetes");
    let loc = Locations::isolated(&etc);
    let d = failure(&Access::default(), &loc).await;
    let Diagnosis::NoKubeconfig { tried } = &d else {
        panic!("{d:?}")
    };
    assert_eq!(
        tried,
        &[etc.join("admin.conf"), etc.join("super-admin.conf")]
    );
    assert!(d.banner().starts_with("No kubeconfig found"));

    // super-admin.conf is used when admin.conf is absent; admin.conf wins when present.
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::copy(&env.kubeconfig, etc.join("super-admin.conf")).unwrap();
    let c = connect(&Access::default(), &loc).await.unwrap();
    assert_eq!(c.chosen.paths, [etc.join("super-admin.conf")]);
    std::fs::copy(&env.kubeconfig, etc.join("admin.conf")).unwrap();
    let c = connect(&Access::default(), &loc).await.unwrap();
    assert_eq!(c.chosen.paths, [etc.join("admin.conf")]);

    // $KUBECONFIG (a list; missing entries skipped) and ~/.kube/config come first.
    let home = env.dir.path().join("home");
    std::fs::create_dir_all(home.join(".kube")).unwrap();
    std::fs::copy(&env.kubeconfig, home.join(".kube/config")).unwrap();
    let mut loc = loc.clone();
    loc.home = Some(home.clone());
    let c = connect(&Access::default(), &loc).await.unwrap();
    assert_eq!(c.chosen.paths, [home.join(".kube/config")]);
    loc.kubeconfig_env = Some(
        format!(
            "{}:{}",
            env.dir.path().join("absent").display(),
            env.kubeconfig.display()
        )
        .into(),
    );
    let c = connect(&Access::default(), &loc).await.unwrap();
    assert_eq!(c.chosen.paths, std::slice::from_ref(&env.kubeconfig));

    // An explicit --kubeconfig must exist.
    let a = access(&env.dir.path().join("missing.conf"));
    let d = failure(&a, &loc).await;
    assert!(d.banner().ends_with("missing.conf: no such file"), "{d}");

    // --context must exist.
    let a = Access {
        context: Some("nope".into()),
        ..access(&env.kubeconfig)
    };
    let d = failure(&a, &loc).await;
    assert!(
        d.banner()
            .contains("context \"nope\" not found (contexts: kcert-test)"),
        "{d}"
    );
}
