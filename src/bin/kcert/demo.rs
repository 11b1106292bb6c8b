//! `kcert demo`: a demo kubeadm tree, and the demo cluster behind it: the fake API server
//! crate when this build has it (cargo feature `demo`, on by default); otherwise a clear
//! refusal.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, WrapErr};
use kcert::cluster::{Access, Locations};
use kcert::runtime::NodePaths;
use kcert::tui::ClusterOptions;

use crate::cli::{ColorChoice, DemoArgs, ScanArgs};
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
    let layout = kcert::demo::write_kubeadm_tree(&dir, &kcert::demo::demo_spec(now))
        .wrap_err_with(|| format!("cannot write the demo tree into {}", dir.display()))?;
    say!("Demo kubeadm tree written to {}", layout.root.display());
    if args.no_tui {
        say!("  kcert check {}", layout.root.display());
        return Ok(ExitStatus::Ok);
    }
    let scan = ScanArgs {
        paths: vec![layout.root.clone()],
        warn: 30,
        crit: 7,
        color: ColorChoice::Auto,
    };
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
        layout.root.display(),
        layout.root.display()
    );
    Ok(status)
}

#[cfg(feature = "demo")]
pub use kcert_fakeapi::BackgroundServer as Server;

/// A server holding the demo CSRs, nodes and tokens, and an admin kubeconfig for it in `dir`.
#[cfg(feature = "demo")]
pub fn start(dir: &Path) -> Result<(Server, PathBuf)> {
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
