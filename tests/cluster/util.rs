//! Shared helpers: a running test server with an admin kubeconfig, kubectl, the binary.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kcert::cluster::{connect, Access, Connection, Locations};
use kcert_fakeapi::{ServerOptions, TestServer};
use tempfile::TempDir;

use crate::common::{kcert_bin, kcert_cmd};

/// A server, a temp dir and an admin kubeconfig in it.
pub struct Env {
    pub server: TestServer,
    pub dir: TempDir,
    pub kubeconfig: PathBuf,
}

impl Env {
    pub async fn start(opts: ServerOptions) -> Env {
        let server = TestServer::start(opts).await.expect("server starts");
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("admin.conf");
        server.write_admin_kubeconfig(&kubeconfig).unwrap();
        Env {
            server,
            dir,
            kubeconfig,
        }
    }

    pub async fn demo() -> Env {
        let env = Env::start(ServerOptions::default()).await;
        kcert_fakeapi::seed::demo(&env.server).unwrap();
        env
    }

    pub fn access(&self) -> Access {
        Access {
            kubeconfig: Some(self.kubeconfig.clone()),
            timeout: Duration::from_secs(5),
            ..Access::default()
        }
    }

    /// Locations that cannot reach the real /etc/kubernetes or $HOME.
    pub fn locations(&self) -> Locations {
        Locations::isolated(self.dir.path().join("etc-kubernetes"))
    }

    pub async fn connect(&self) -> Connection {
        connect(&self.access(), &self.locations())
            .await
            .expect("connects")
    }

    /// Run the real kubectl against the server; returns (success, stdout, stderr).
    pub async fn kubectl(&self, args: &[&str]) -> (bool, String, String) {
        let mut cmd = tokio::process::Command::new("kubectl");
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.dir.path().join("kube-cache"))
            .args(args)
            .env("HOME", self.dir.path())
            .env_remove("KUBECONFIG");
        let out = cmd.output().await.expect("kubectl is installed");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A CSR object as kube sees it, from the server's JSON.
pub fn typed(v: serde_json::Value) -> CertificateSigningRequest {
    serde_json::from_value(v).expect("a valid CSR object")
}

/// Run the kcert binary on the wall clock; returns (exit code, stdout, stderr).
pub async fn kcert(env: &Env, args: &[&str]) -> (i32, String, String) {
    run(env, kcert_bin(), args).await
}

/// [`kcert`] with its clock at `now`.
pub async fn kcert_at(env: &Env, now: DateTime<Utc>, args: &[&str]) -> (i32, String, String) {
    run(env, kcert_cmd(now), args).await
}

async fn run(env: &Env, kcert: std::process::Command, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::from(kcert)
        .args(args)
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .env("HOME", env.dir.path())
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
