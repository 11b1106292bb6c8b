//! The inventory's plain data: what was found on disk, where, and what is wrong with it.
//!
//! Everything here is owned, cloneable and free of parser lifetimes so that the TUI, the
//! reports and renewal can hold it without touching the disk again.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Index of a certificate in [`Inventory::certs`].
pub type CertId = usize;
/// Index of a key in [`Inventory::keys`].
pub type KeyId = usize;

/// Which part of a kubeconfig a certificate or key was embedded in or referenced from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// `users[].user` (client certificate and key).
    User,
    /// `clusters[].cluster` (certificate authority data).
    Cluster,
}

/// Where an item was read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Origin {
    /// A file on disk; `index` counts the certificate (or key) blocks of that file from 0.
    File { path: PathBuf, index: usize },
    /// Base64 data embedded in a kubeconfig (`client-certificate-data`, ...).
    Kubeconfig {
        path: PathBuf,
        entry: EntryKind,
        /// The `name` of the user or cluster entry.
        name: String,
        /// The YAML field, e.g. `client-certificate-data`.
        field: String,
        /// Position of the block within the field (CA bundles hold several).
        index: usize,
    },
}

impl Origin {
    /// The file this came from (the kubeconfig for embedded data).
    pub fn path(&self) -> &Path {
        match self {
            Origin::File { path, .. } | Origin::Kubeconfig { path, .. } => path,
        }
    }

    /// The block index within the file or kubeconfig field.
    pub fn index(&self) -> usize {
        match self {
            Origin::File { index, .. } | Origin::Kubeconfig { index, .. } => *index,
        }
    }

    /// Short human form: `/etc/kubernetes/admin.conf [user kubernetes-admin]` or a path with `#2`.
    pub fn describe(&self) -> String {
        match self {
            Origin::File { path, index: 0 } => path.display().to_string(),
            Origin::File { path, index } => format!("{} #{}", path.display(), index + 1),
            Origin::Kubeconfig {
                path, entry, name, ..
            } => {
                let kind = match entry {
                    EntryKind::User => "user",
                    EntryKind::Cluster => "cluster",
                };
                format!("{} [{kind} {name}]", path.display())
            }
        }
    }
}

/// Public key algorithm and size, the way an operator names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    Rsa(u32),
    EcdsaP256,
    EcdsaP384,
    EcdsaP521,
    Ed25519,
    Unknown,
}

impl std::fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyAlgorithm::Rsa(bits) => write!(f, "RSA-{bits}"),
            KeyAlgorithm::EcdsaP256 => f.write_str("ECDSA-P256"),
            KeyAlgorithm::EcdsaP384 => f.write_str("ECDSA-P384"),
            KeyAlgorithm::EcdsaP521 => f.write_str("ECDSA-P521"),
            KeyAlgorithm::Ed25519 => f.write_str("Ed25519"),
            KeyAlgorithm::Unknown => f.write_str("unknown"),
        }
    }
}

impl Serialize for KeyAlgorithm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Expiry status against the clock the scan was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warning,
    Critical,
    Expired,
    NotYetValid,
}

impl Status {
    /// The word used in tables, JSON and the TUI.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Critical => "critical",
            Status::Expired => "expired",
            Status::NotYetValid => "not_yet_valid",
        }
    }
}

/// Outcome of looking for a certificate's issuer and checking its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainVerdict {
    /// Signed by a CA found on disk; the signature verifies.
    Verified,
    /// Issuer is itself and its own key verifies the signature.
    SelfSigned,
    /// No CA on disk carries the issuer's name or key identifier.
    UnknownIssuer,
    /// A CA with the issuer's name or key identifier exists but its key does not verify the signature.
    BadSignature,
}

impl ChainVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            ChainVerdict::Verified => "verified",
            ChainVerdict::SelfSigned => "self_signed",
            ChainVerdict::UnknownIssuer => "unknown_issuer",
            ChainVerdict::BadSignature => "bad_signature",
        }
    }

    /// Verified or self-signed: the chain itself is sound.
    pub fn is_ok(self) -> bool {
        matches!(self, ChainVerdict::Verified | ChainVerdict::SelfSigned)
    }
}

/// One X.509 certificate found on the node.
#[derive(Debug, Clone)]
pub struct CertEntry {
    pub origin: Origin,
    /// kubeadm's name (`apiserver`, `etcd-ca`, `admin.conf`, ...) when kubeadm manages this file.
    pub kubeadm_name: Option<String>,
    /// Another distribution's name and CA role for it (k3s `client-admin`, MicroK8s
    /// `server.crt`, ...), from where the file is.
    pub place: Option<Box<super::distro::Place>>,
    /// DER bytes of a CA (or self-issued certificate); empty for a leaf, whose DER is read
    /// again when needed ([`Inventory::der`]).
    pub der: Vec<u8>,
    /// `CN=kube-apiserver`, `O=system:nodes, CN=system:node:cp-1` (RFC 4514 order reversed, as openssl prints).
    pub subject: String,
    /// Shared by the certificates a CA signed (a batch of files keeps one copy of each).
    pub issuer: std::sync::Arc<str>,
    /// Raw DER of the subject and issuer names, for exact name matching.
    pub subject_raw: Box<[u8]>,
    pub issuer_raw: std::sync::Arc<[u8]>,
    pub common_name: Option<String>,
    pub organizations: Vec<String>,
    /// Upper-case hex, as `openssl x509 -serial` prints it.
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// `DNS:name`, `IP:addr`, `email:x`, `URI:x`.
    pub sans: Vec<String>,
    /// Key usage and extended key usage in the names the CSR API uses.
    pub usages: super::Usages,
    pub is_ca: bool,
    pub key_algorithm: KeyAlgorithm,
    pub signature_algorithm: Cow<'static, str>,
    /// Lower-case hex SHA-256 of the DER (what `openssl x509 -outform der | sha256sum` prints).
    pub sha256: super::Sha256,
    /// Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo (kubeadm's discovery hash without `sha256:`).
    pub spki_sha256: super::Sha256,
    /// Fingerprint of the public key in a form that private keys can be compared with.
    pub public_key_id: Option<[u8; 32]>,
    /// Subject and authority key identifiers, as bytes (written as lower-case hex).
    pub ski: Option<Box<[u8]>>,
    pub aki: Option<Box<[u8]>>,
    /// Kubeconfigs that reference this certificate (file references or identical embedded CA data).
    pub referenced_by: Vec<PathBuf>,
    /// Where the file really is when it was reached through a symlink (`kubelet-client-current.pem`).
    pub symlink_target: Option<PathBuf>,
    /// An old kubelet rotation file that `*-current.pem` no longer points at: shown, never a problem.
    pub superseded: bool,
    /// The same CA certificate in its own file, when this is a copy of it inside another file
    /// (k3s writes every leaf file as leaf + CA; bundles; kubeconfig CA data): listed as a
    /// copy, never as a CA of its own or a problem.
    pub copy_of: Option<CertId>,

    // Filled in by the chain and key passes.
    pub status: Status,
    pub chain: ChainVerdict,
    /// The certificate that verified this one (for self-signed: none).
    pub issuer_id: Option<CertId>,
    /// The private key that belongs with this certificate by naming convention or by content.
    pub key_id: Option<KeyId>,
    /// `Some(true)` when the paired private key has this certificate's public key.
    pub key_match: Option<bool>,
    /// For a leaf verified while the files were read: the SHA-256 of the key that verified
    /// it, which the chain pass matches against its candidates instead of checking again.
    pub signer_spki: Option<super::Sha256>,
}

impl CertEntry {
    /// The name an operator recognises: kubeadm's name; a CA that is not the first block of
    /// its file (the kubelet's `kubelet.crt`, a bundle) by its CN; else the file (and entry).
    pub fn display_name(&self) -> String {
        if let Some(n) = self.known_name() {
            return n.to_string();
        }
        if let Some(cn) = self.bundled_ca_name() {
            return cn.to_string();
        }
        let file = self
            .origin
            .path()
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.origin.with_entry(file)
    }

    /// Whole days until expiry, as the words say them ([`super::format::days_left`]).
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        super::format::days_left(self.not_after, now)
    }

    /// What `kubeadm join --discovery-token-ca-cert-hash` expects for a CA: `sha256:` and the
    /// SHA-256 of its DER SubjectPublicKeyInfo.
    pub fn join_hash(&self) -> Option<String> {
        self.is_ca.then(|| format!("sha256:{}", self.spki_sha256))
    }

    /// A name for JSON and labels, when there is one better than the path: kubeadm's, the
    /// kubelet's files', or a bundled CA's CN.
    pub fn name(&self) -> Option<&str> {
        let first_block = self.origin.index() == 0 && matches!(self.origin, Origin::File { .. });
        self.known_name()
            .or_else(|| {
                first_block
                    .then(|| super::kubeadm::name_for_kubelet_file(self.origin.path()))
                    .flatten()
            })
            .or_else(|| self.bundled_ca_name())
    }

    /// kubeadm's name for it, else its distribution's.
    pub fn known_name(&self) -> Option<&str> {
        self.kubeadm_name
            .as_deref()
            .or(self.place.as_ref().map(|p| p.name.as_str()))
    }

    /// The CN of a CA found after another certificate in its file: `#2` says nothing.
    pub(crate) fn bundled_ca_name(&self) -> Option<&str> {
        let later = matches!(self.origin, Origin::File { index, .. } if index > 0);
        self.common_name
            .as_deref()
            .filter(|cn| later && self.is_ca && !cn.is_empty())
    }

    pub fn is_self_issued(&self) -> bool {
        *self.subject_raw == *self.issuer_raw
    }
}

/// How a private key file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyFormat {
    /// `RSA PRIVATE KEY`
    Pkcs1,
    /// `EC PRIVATE KEY`
    Sec1,
    /// `PRIVATE KEY`
    Pkcs8,
    /// `ENCRYPTED PRIVATE KEY` or a legacy `Proc-Type: 4,ENCRYPTED` block.
    Encrypted,
    /// `PUBLIC KEY` (SubjectPublicKeyInfo), e.g. `sa.pub`.
    Spki,
    /// `RSA PUBLIC KEY`
    Pkcs1Public,
}

impl KeyFormat {
    /// The format's name in messages: `PKCS#1`, `SEC1`, `PKCS#8`, ...
    pub fn name(self) -> &'static str {
        match self {
            KeyFormat::Pkcs1 => "PKCS#1",
            KeyFormat::Sec1 => "SEC1",
            KeyFormat::Pkcs8 => "PKCS#8",
            KeyFormat::Encrypted => "encrypted",
            KeyFormat::Spki => "SubjectPublicKeyInfo",
            KeyFormat::Pkcs1Public => "PKCS#1 public key",
        }
    }
}

/// A private or public key found on the node. Key material itself is never kept.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    pub origin: Origin,
    pub format: KeyFormat,
    pub algorithm: KeyAlgorithm,
    /// Comparable with [`CertEntry::public_key_id`]; `None` when encrypted or unreadable.
    pub public_key_id: Option<[u8; 32]>,
    pub is_private: bool,
    /// The certificate this key was paired with.
    pub cert_id: Option<CertId>,
}

impl KeyEntry {
    pub fn is_encrypted(&self) -> bool {
        self.format == KeyFormat::Encrypted
    }
}

/// `error` makes `kcert check` exit 2, `warning` 1; `info` is shown but never changes the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// What kind of thing is wrong; lets views group and mark problems without parsing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Could not read or parse a file (corrupt, truncated, too large, unreadable, loop).
    File,
    Expiry,
    Chain,
    WrongCa,
    KeyMismatch,
    /// A private key with no certificate beside it.
    OrphanKey,
    ServiceAccount,
    Kubeconfig,
    /// How running components use the files: a flag naming a missing file, a CA file that
    /// does not verify what it must, a certificate nothing references.
    Consumer,
    /// What a component serves differs from the file on disk, or it does not answer.
    Served,
    /// A kubeconfig's CA data, a copied kubeconfig or a CA bundle out of step with the CA.
    TrustBundle,
    /// Kubelet rotation, the controller-manager's CSR signer or the aggregation layer's
    /// front proxy configured so certificates will not be renewed or accepted.
    Settings,
    /// A renewal or restore a killed kcert left unfinished (its journal entry has no end).
    Interrupted,
}

impl ProblemKind {
    /// A few words for what is wrong, e.g. in `critical: key does not match`.
    pub fn word(self) -> &'static str {
        match self {
            ProblemKind::File => "unreadable file",
            ProblemKind::Expiry => "expiry",
            ProblemKind::Chain => "chain does not verify",
            ProblemKind::WrongCa => "signed by the wrong CA",
            ProblemKind::KeyMismatch => "key does not match",
            ProblemKind::OrphanKey => "key without certificate",
            ProblemKind::ServiceAccount => "service account",
            ProblemKind::Kubeconfig => "kubeconfig",
            ProblemKind::Consumer => "component configuration",
            ProblemKind::Served => "served certificate differs",
            ProblemKind::TrustBundle => "trust bundle",
            ProblemKind::Settings => "setting",
            ProblemKind::Interrupted => "interrupted change",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub path: PathBuf,
    pub severity: Severity,
    pub kind: ProblemKind,
    pub message: String,
    #[serde(skip)]
    pub cert_id: Option<CertId>,
    #[serde(skip)]
    pub key_id: Option<KeyId>,
}

/// The service-account signing key pair (`sa.key`/`sa.pub`).
#[derive(Debug, Clone)]
pub struct ServiceAccountPair {
    pub key_id: Option<KeyId>,
    pub pub_id: Option<KeyId>,
    /// `Some(true)` when both exist and are one pair.
    pub matches: Option<bool>,
}

/// A PKCS#10 request found on disk (`*.csr`), e.g. left over from a manual signing.
#[derive(Debug, Clone)]
pub struct CsrEntry {
    pub origin: Origin,
    pub subject: String,
    pub sans: Vec<String>,
    pub key_algorithm: KeyAlgorithm,
    pub public_key_id: Option<[u8; 32]>,
    /// Whether the request's self-signature verifies.
    pub signature_valid: bool,
}

/// Warning and critical thresholds in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub warn_days: i64,
    pub crit_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            warn_days: 30,
            crit_days: 7,
        }
    }
}

/// Everything found under the roots, with chains verified and keys paired.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub generated_at: DateTime<Utc>,
    pub roots: Vec<PathBuf>,
    /// Default roots that do not exist on this node (explicit ones must exist).
    pub missing_roots: Vec<PathBuf>,
    pub thresholds: Thresholds,
    pub certs: Vec<CertEntry>,
    pub keys: Vec<KeyEntry>,
    pub problems: Vec<Problem>,
    pub service_accounts: Vec<ServiceAccountPair>,
    pub csrs: Vec<CsrEntry>,
    /// The node's distribution and roles, from where its files are and what they are called.
    pub distribution: super::distro::Detection,
}

impl Inventory {
    /// Problems that concern one certificate: its own and its key's.
    pub fn problems_for(&self, id: CertId) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(move |p| self.problem_owner(p) == Some(id))
    }

    /// The chain from `id` up to its root (inclusive of both), stopping on loops.
    pub fn chain_path(&self, id: CertId) -> Vec<CertId> {
        let mut path = vec![id];
        let mut cur = id;
        while let Some(next) = self.certs[cur].issuer_id {
            if path.contains(&next) {
                break;
            }
            path.push(next);
            cur = next;
        }
        path
    }

    /// Nothing at all was found: no certificate, key, request or problem.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
            && self.keys.is_empty()
            && self.csrs.is_empty()
            && self.problems.is_empty()
    }

    /// When nothing was found, where kcert looked, in words: what a front end says instead of
    /// an empty result (nothing scanned is not "nothing matched", nor success). `None` when
    /// something was found.
    pub fn nothing_found(&self) -> Option<String> {
        if !self.is_empty() {
            return None;
        }
        let list = |paths: &mut dyn Iterator<Item = &PathBuf>| {
            paths
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let looked = list(
            &mut self
                .roots
                .iter()
                .filter(|r| !self.missing_roots.contains(r)),
        );
        let missing = list(&mut self.missing_roots.iter());
        let known = super::distro::Distribution::KNOWN
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let said = match (looked.is_empty(), missing.is_empty()) {
            (true, _) => format!("nothing to scan: none of {missing} exists"),
            (false, true) => {
                format!("no certificates, keys or kubeconfigs were found under {looked}")
            }
            (false, false) => format!(
                "no certificates, keys or kubeconfigs were found under {looked} ({missing}: not there)"
            ),
        };
        Some(format!(
            "{said}; kcert knows the layouts of {known} (give a PATH or --root if this node \
             keeps them elsewhere)"
        ))
    }

    /// The highest severity across all problems.
    pub fn worst_severity(&self) -> Option<Severity> {
        self.problems.iter().map(|p| p.severity).max()
    }
}
