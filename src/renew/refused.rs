//! Why a certificate is not renewed, with what to do instead. Kept in the plan beside the
//! certificate, so the words are the reason as the operator reads it.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::pki::KeyAlgorithm;
use crate::sign::kubeconfig::EditError;
use crate::sign::SignError;

/// A certificate kcert will not renew here. Errors from other layers are shared (`Arc`), so
/// a plan stays cheap to clone.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Refused {
    #[error("it is signed by \"{issuer}\", not by itself: re-signed with its own key it would become a root; renew it where that CA's key is")]
    CaNotRoot { issuer: String },
    #[error("the key of CA {ca} is not on this node (expected {}): renew it where its key is (`kcert renew {ca}` on the node that has it), then bring the new certificate here with `kcert ca import FILE`", .expected.display())]
    CaKeyNotHere { ca: String, expected: PathBuf },
    #[error("{} holds a copy of the CA kcert cannot rewrite (not PEM text)", .0.display())]
    NotPem(PathBuf),
    #[error("the renewal of CA {ca} rewrites {} too: renew it in a run of its own after the CA", .file.display())]
    AfterCa { ca: String, file: PathBuf },
    #[error("an old kubelet rotation file; the current one is kubelet-client-current.pem")]
    Superseded,
    #[error("no CA on this node verifies its signature, so there is no CA to renew it with")]
    BadSignature,
    #[error("its CA (\"{issuer}\") is not on this node: renew it where that CA's key is")]
    CaNotHere { issuer: String },
    #[error("it is under {was}, but {who} signs it with {must}, which is not on this node: renewed under {was} it would stay under the wrong CA")]
    RightCaMissing {
        was: String,
        who: String,
        must: String,
    },
    #[error("it is under {was}, but {who} signs it with {must}, and {reason}")]
    RightCaUnusable {
        was: String,
        who: String,
        must: String,
        reason: Box<Refused>,
    },
    #[error("CA {ca} expired on {}: anything it signs is rejected; renew the CA first with its own key (`kcert renew {ca}`), which revives every certificate under it", crate::pki::format::datetime(*.on))]
    CaExpired { ca: String, on: DateTime<Utc> },
    #[error("the key of CA {ca} is missing (expected {}): the CA is managed outside this node; \
             create a request with `kubeadm certs generate-csr` and have the external CA sign it", .expected.display())]
    CaKeyMissing { ca: String, expected: PathBuf },
    #[error("the key of CA {ca} ({key}) is encrypted; kcert cannot sign with it")]
    CaKeyEncrypted { ca: String, key: String },
    #[error("{key} does not belong to CA {ca}: no valid CA key on this node")]
    CaKeyMismatch { ca: String, key: String },
    #[error("cannot load the key of CA {ca}: {source}")]
    CaKeyUnusable {
        ca: String,
        #[source]
        source: Arc<SignError>,
    },
    #[error(
        "no private key was found for it; kcert only renews certificates whose key it can see"
    )]
    NoKey,
    #[error("its key algorithm {0} cannot be generated; pass --key-algorithm")]
    Algorithm(KeyAlgorithm),
    #[error("its key {0} is encrypted and cannot be reused")]
    KeyEncrypted(String),
    #[error("cannot load its key: {0}")]
    KeyUnusable(#[source] Arc<SignError>),
    #[error("its key is not in a file")]
    KeyNotInFile,
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    /// A kubeconfig holding a key that does not parse; the scan reports it in full.
    #[error("{0}")]
    Kubeconfig(String),
    #[error("{} no longer holds this certificate (it changed since the scan): scan again", .0.display())]
    Changed(PathBuf),
    #[error("{} has no client-key-data for user {user}", .path.display())]
    NoKeyData { path: PathBuf, user: String },
    #[error(transparent)]
    Edit(Arc<EditError>),
    /// Generating the key or signing failed.
    #[error(transparent)]
    Sign(Arc<SignError>),
}

impl From<SignError> for Refused {
    fn from(e: SignError) -> Self {
        Refused::Sign(Arc::new(e))
    }
}

impl From<EditError> for Refused {
    fn from(e: EditError) -> Self {
        Refused::Edit(Arc::new(e))
    }
}

impl Refused {
    pub(super) fn read(path: &std::path::Path, e: std::io::Error) -> Refused {
        Refused::Read {
            path: path.to_path_buf(),
            source: Arc::new(e),
        }
    }
}
