//! The demo cluster behind `kcert demo`: the fake API server crate when this build has it
//! (cargo feature `demo`, on by default); otherwise a clear refusal.

use std::path::{Path, PathBuf};

use color_eyre::eyre::Result;

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
