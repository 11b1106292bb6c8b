//! Library error types. Problems found *in* the PKI are data ([`crate::pki::Problem`]);
//! these errors are for when kcert itself cannot do what was asked.

use std::path::PathBuf;

/// Why a scan could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{}: no such file or directory", .0.display())]
    MissingRoot(PathBuf),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
