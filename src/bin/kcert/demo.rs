//! `kcert demo`: a demo node (kubeadm, k3s or MicroK8s), and for kubeadm the demo cluster
//! behind it: the fake API server
//! crate when this build has it (cargo feature `demo`, on by default); otherwise a clear
//! refusal.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use color_eyre::eyre::Result;
use kcert::cluster::{Access, Locations};
use kcert::pki::distro::Distribution;
use kcert::runtime::NodePaths;
use kcert::tui::ClusterOptions;

use crate::cli::{ColorChoice, DemoArgs, DemoLayout, ScanArgs};
use crate::exit::ExitStatus;
use crate::out::say;
use crate::tui;

/// The demo tree is made relative to the start; then the UI's clock runs (only `--now` or
/// `KCERT_NOW` fix it), so ages grow and renewals are dated when they happen.
pub fn run(args: &DemoArgs, fixed_now: Option<DateTime<Utc>>) -> Result<ExitStatus> {
    let now = fixed_now.unwrap_or_else(Utc::now);
    let dir = match &args.dir {
        Some(d) => d.clone(),
        // Kept after exit, so the tree can be inspected, checked and renewed by hand.
        None => tempfile::Builder::new()
            .prefix("kcert-demo-")
            .tempdir()?
            .keep(),
    };
    let written = |e| eyre_for(e, &dir);
    let (root, kind) = match args.layout {
        DemoLayout::Kubeadm => (
            kcert::demo::write_kubeadm_tree(&dir, &kcert::demo::demo_spec(now))
                .map_err(written)?
                .root,
            "kubeadm tree",
        ),
        DemoLayout::K3s => (
            kcert::demo::write_rancher_tree(
                &dir,
                &kcert::demo::demo_rancher_spec(now, Distribution::K3s),
            )
            .map_err(written)?
            .root,
            "k3s node",
        ),
        DemoLayout::Microk8s => (
            kcert::demo::write_microk8s_tree(&dir, &kcert::demo::demo_microk8s_spec(now))
                .map_err(written)?
                .root,
            "MicroK8s node",
        ),
    };
    say!("Demo {kind} written to {}", root.display());
    if args.no_tui {
        say!("  kcert check {}", root.display());
        return Ok(ExitStatus::Ok);
    }
    let scan = ScanArgs {
        paths: vec![root.clone()],
        warn: 30,
        crit: 7,
        color: ColorChoice::Auto,
    };
    // k3s and MicroK8s nodes join without CSRs or bootstrap tokens: a demo cluster of those
    // would show what such a node never has. Their demo is the local view.
    if args.layout != DemoLayout::Kubeadm {
        let node = NodePaths::discover(&scan.paths);
        let status = tui::open(&scan, None, node, fixed_now, false)?;
        say!(
            "The demo {kind} stays in {} (try: kcert renew --root {} --expiring --dry-run)",
            root.display(),
            root.display()
        );
        return Ok(status);
    }
    let layout_root = root;
    // The demo cluster: an in-process API server holding a dozen CSRs, kubeadm's bootstrap RBAC
    // and two bootstrap tokens. Its kubeconfig (with a client key) lives in a directory of its
    // own, outside the scanned tree, removed at exit.
    let cluster_dir = tempfile::Builder::new()
        .prefix("kcert-demo-cluster-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()?;
    let (server, kubeconfig) = start(cluster_dir.path())?;
    say!(
        "Demo API server at {} with {} certificate signing requests and bootstrap tokens (press 2 and 3 in the UI)",
        server.url(),
        server.csr_names().len()
    );
    let cluster = ClusterOptions {
        access: Access {
            kubeconfig: Some(kubeconfig),
            ..Access::default()
        },
        locations: Locations::isolated(cluster_dir.path()),
    };
    let node = NodePaths::discover(&scan.paths);
    let result = tui::open(&scan, Some(cluster), node, fixed_now, false);
    // Stop listening and end the server's runtime before saying it is gone.
    drop(server);
    say!("The demo API server has stopped.");
    let status = result?;
    say!(
        "The demo tree stays in {} (try: kcert renew --root {} --expiring --dry-run)",
        layout_root.display(),
        layout_root.display()
    );
    Ok(status)
}

fn eyre_for(e: kcert::demo::DemoError, dir: &Path) -> color_eyre::eyre::Report {
    color_eyre::eyre::Report::new(e)
        .wrap_err(format!("cannot write the demo tree into {}", dir.display()))
}

#[cfg(feature = "demo")]
pub use kcert_fakeapi::BackgroundServer as Server;

/// A server holding the demo CSRs, nodes and tokens, and an admin kubeconfig for it in `dir`.
#[cfg(feature = "demo")]
pub fn start(dir: &Path) -> Result<(Server, PathBuf)> {
    use color_eyre::eyre::WrapErr;
    kcert_fakeapi::start_demo(dir).wrap_err("cannot start the demo API server")
}

/// No server in this build: there is nothing to hold.
#[cfg(not(feature = "demo"))]
pub enum Server {}

#[cfg(not(feature = "demo"))]
impl Server {
    pub fn url(&self) -> String {
        match *self {}
    }

    pub fn csr_names(&self) -> Vec<String> {
        match *self {}
    }
}

/// `kcert demo` drops the server to stop it, as it does the real one.
#[cfg(not(feature = "demo"))]
impl Drop for Server {
    fn drop(&mut self) {
        match *self {}
    }
}

#[cfg(not(feature = "demo"))]
pub fn start(_dir: &Path) -> Result<(Server, PathBuf)> {
    Err(color_eyre::eyre::eyre!(
        "this build of kcert has no demo API server (it was built without the cargo feature \
         `demo`); `kcert demo --no-tui` writes the demo tree alone, and `kcert PATH` opens it"
    ))
}
