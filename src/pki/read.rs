//! One file into certificates, keys, requests and problems. Runs in parallel, touches only its file.

use std::path::{Path, PathBuf};

use super::cert::{parse_certificate, parse_csr, IssuerNames};
use super::decode::{looks_like_pem, pem_blocks, Block, BlockKind};
use super::keys::{private_key_block, public_key_block};
use super::kubeconfig::{self, FieldValue};
use super::open::{open_regular, read_bounded, Opener};
use super::walk::{Candidate, MAX_FILE_SIZE};
use super::{kubeadm, CertEntry, CsrEntry, EntryKind, KeyAlgorithm, KeyEntry, KeyFormat, Origin};
use super::{Problem, ProblemKind, Severity};

/// A kubeconfig's reference to another file, resolved to an absolute path.
#[derive(Debug, Clone)]
pub struct FileRef {
    pub kubeconfig: PathBuf,
    pub entry: EntryKind,
    pub name: String,
    pub field: &'static str,
    pub target: PathBuf,
}

/// What one file held.
#[derive(Debug, Default)]
pub struct Parsed {
    pub certs: Vec<CertEntry>,
    pub keys: Vec<KeyEntry>,
    pub csrs: Vec<CsrEntry>,
    pub problems: Vec<Problem>,
    pub refs: Vec<FileRef>,
    /// Issuer names already met in this batch, so that its certificates share them.
    issuers: IssuerNames,
}

impl Parsed {
    /// Without spare capacity: a scan keeps every batch until all files are read.
    pub fn shrunk(mut self) -> Parsed {
        self.certs.shrink_to_fit();
        self.keys.shrink_to_fit();
        self.issuers = Default::default();
        self
    }

    fn problem(&mut self, path: &Path, severity: Severity, kind: ProblemKind, message: String) {
        self.problems.push(Problem {
            path: path.to_path_buf(),
            severity,
            kind,
            message,
            cert_id: None,
            key_id: None,
        });
    }
}

/// Read and parse one candidate file into `out`, after what it holds. Never panics;
/// everything wrong becomes a problem.
pub fn read_file(c: &Candidate, policy: ReadPolicy, out: &mut Parsed) {
    read_file_with(c, policy, out, &mut Opener::default());
}

/// [`read_file`], opening files the walk saw with `opener`.
pub fn read_file_with(c: &Candidate, policy: ReadPolicy, out: &mut Parsed, opener: &mut Opener) {
    let first = out.certs.len();
    let path = &c.path;
    // One open and one read (and an fstat for files the walk did not see): each system call
    // adds up over 10,000 files.
    let opened = match c.regular {
        true => opener.open(path).map(|f| (f, None)),
        false => open_regular(path).map(|(f, meta)| (f, Some(meta.len()))),
    };
    let (mut file, len) = match opened {
        Ok(f) => f,
        Err(e) => {
            out.problem(path, Severity::Warning, ProblemKind::File, io_message(&e));
            return;
        }
    };
    let bytes = match read_bounded(&mut file, len) {
        Ok(bytes) => bytes,
        Err(e) => {
            out.problem(path, Severity::Warning, ProblemKind::File, io_message(&e));
            return;
        }
    };
    if bytes.len() as u64 > MAX_FILE_SIZE {
        let size = file.metadata().map_or(MAX_FILE_SIZE + 1, |m| m.len());
        out.problem(
            path,
            Severity::Warning,
            ProblemKind::File,
            format!(
                "file is {:.1} MiB; files over 1 MiB are not parsed (no certificate or key is that large)",
                size as f64 / (1024.0 * 1024.0)
            ),
        );
        return;
    }
    let pkiish = c.explicit || is_pki_extension(path);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        if pkiish {
            out.problem(
                path,
                Severity::Warning,
                ProblemKind::File,
                "empty file".into(),
            );
        }
        return;
    }
    if looks_like_pem(&bytes) {
        let (mut blocks, errors) = pem_blocks(&bytes);
        for e in errors {
            out.problem(
                path,
                Severity::Warning,
                ProblemKind::File,
                format!("block {}: {e}", e.number),
            );
        }
        policy.keep(&mut blocks);
        let kubeadm_name = kubeadm::name_for_cert_file(path);
        add_blocks(out, blocks, path, kubeadm_name, |index| Origin::File {
            path: path.clone(),
            index,
        });
    } else if kubeconfig::looks_like_kubeconfig(&bytes) {
        read_kubeconfig(out, path, &bytes, policy);
    } else if bytes.first() == Some(&0x30) && pkiish {
        read_der(out, path, bytes, policy);
    } else if pkiish {
        out.problem(
            path,
            Severity::Warning,
            ProblemKind::File,
            "not a certificate, key or kubeconfig: no PEM block and not DER".into(),
        );
    }
    if let Some(target) = &c.link_target {
        for cert in &mut out.certs[first..] {
            cert.symlink_target = Some(target.clone());
        }
    }
}

fn is_pki_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e,
            "crt" | "cer" | "cert" | "pem" | "der" | "key" | "pub" | "csr"
        )
    })
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            "cannot read: permission denied (run as root?)".into()
        }
        std::io::ErrorKind::NotFound => "does not exist".into(),
        std::io::ErrorKind::InvalidInput => e.to_string(),
        _ => format!("cannot read: {e}"),
    }
}

/// DER files hold one object; try the ones that appear on nodes, most common first.
fn read_der(out: &mut Parsed, path: &Path, bytes: Vec<u8>, policy: ReadPolicy) {
    let origin = Origin::File {
        path: path.to_path_buf(),
        index: 0,
    };
    let kinds = [
        BlockKind::Certificate,
        BlockKind::PrivateKey(KeyFormat::Pkcs8),
        BlockKind::PrivateKey(KeyFormat::Pkcs1),
        BlockKind::PrivateKey(KeyFormat::Sec1),
        BlockKind::PublicKey(KeyFormat::Spki),
        BlockKind::CertificateRequest,
    ];
    for kind in kinds.into_iter().filter(|k| policy.reads(k)) {
        let mut trial = Parsed::default();
        let block = Block {
            kind,
            label: "DER".into(),
            der: bytes.clone(),
        };
        add_blocks(
            &mut trial,
            vec![block],
            path,
            kubeadm::name_for_cert_file(path),
            |_| origin.clone(),
        );
        if trial.problems.is_empty() {
            out.certs.extend(trial.certs);
            out.keys.extend(trial.keys);
            out.csrs.extend(trial.csrs);
            return;
        }
    }
    out.problem(
        path,
        Severity::Warning,
        ProblemKind::File,
        "not a certificate, key or kubeconfig: binary data that is not a DER certificate, key or request".into(),
    );
}

/// Which blocks a scan parses: `kcert serve --no-keys` reads no private key at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadPolicy {
    /// Parse private keys (only ever to compare their public half with a certificate's).
    pub private_keys: bool,
}

impl Default for ReadPolicy {
    fn default() -> Self {
        ReadPolicy { private_keys: true }
    }
}

impl ReadPolicy {
    fn reads(&self, kind: &BlockKind) -> bool {
        self.private_keys || !matches!(kind, BlockKind::PrivateKey(_) | BlockKind::EncryptedKey)
    }

    /// Drop the blocks this policy does not parse, before anything looks inside them.
    fn keep(&self, blocks: &mut Vec<Block>) {
        blocks.retain(|b| self.reads(&b.kind));
    }

    /// Whether the walk opens this file at all: `*.key` holds nothing but a private key.
    pub fn opens(&self, path: &Path) -> bool {
        self.private_keys
            || !path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("key"))
    }
}

/// Turn decoded blocks into entries. `origin(i)` names the i-th certificate or key of the source.
fn add_blocks(
    out: &mut Parsed,
    blocks: Vec<Block>,
    path: &Path,
    kubeadm_name: Option<&str>,
    origin: impl Fn(usize) -> Origin,
) {
    let (mut n_cert, mut n_key, mut n_csr) = (0, 0, 0);
    for block in blocks {
        match block.kind {
            BlockKind::Certificate => {
                let o = origin(n_cert);
                match parse_certificate(block.der, o, &mut out.issuers) {
                    Ok(mut c) => {
                        if n_cert == 0 {
                            c.kubeadm_name = kubeadm_name.map(str::to_string);
                        }
                        out.certs.push(c);
                    }
                    Err(e) => out.problem(
                        path,
                        Severity::Warning,
                        ProblemKind::File,
                        format!("certificate {}: {e}", n_cert + 1),
                    ),
                }
                n_cert += 1;
            }
            BlockKind::PrivateKey(format) | BlockKind::PublicKey(format) => {
                let private = matches!(block.kind, BlockKind::PrivateKey(_));
                let parsed = if private {
                    private_key_block(format, &block.der)
                } else {
                    public_key_block(format, &block.der)
                };
                match parsed {
                    Ok(info) => out.keys.push(KeyEntry {
                        origin: origin(n_key),
                        format,
                        algorithm: info.algorithm,
                        public_key_id: info.id,
                        is_private: private,
                        cert_id: None,
                    }),
                    Err(e) => out.problem(
                        path,
                        Severity::Warning,
                        ProblemKind::File,
                        format!("{}: {e}", block.label),
                    ),
                }
                n_key += 1;
            }
            BlockKind::EncryptedKey => {
                out.keys.push(KeyEntry {
                    origin: origin(n_key),
                    format: KeyFormat::Encrypted,
                    algorithm: KeyAlgorithm::Unknown,
                    public_key_id: None,
                    is_private: true,
                    cert_id: None,
                });
                n_key += 1;
            }
            BlockKind::CertificateRequest => {
                match parse_csr(&block.der, origin(n_csr)) {
                    Ok(c) => out.csrs.push(c),
                    Err(e) => {
                        out.problem(path, Severity::Warning, ProblemKind::File, e.to_string())
                    }
                }
                n_csr += 1;
            }
            BlockKind::Ignored => {}
            BlockKind::Other => out.problem(
                path,
                Severity::Info,
                ProblemKind::File,
                format!(
                    "PEM block \"{}\" is not something kcert reads; skipped",
                    block.label
                ),
            ),
        }
    }
}

fn read_kubeconfig(out: &mut Parsed, path: &Path, bytes: &[u8], policy: ReadPolicy) {
    let dir = path.parent().unwrap_or(Path::new("/"));
    let config = match kubeconfig::parse(bytes, dir) {
        Ok(c) => c,
        Err(e) => {
            out.problem(
                path,
                Severity::Warning,
                ProblemKind::Kubeconfig,
                e.to_string(),
            );
            return;
        }
    };
    let users_with_certs = config
        .fields
        .iter()
        .filter(|f| f.field == "client-certificate-data")
        .count();
    let fields = config
        .fields
        .into_iter()
        .filter(|f| policy.private_keys || !f.field.starts_with("client-key"));
    for field in fields {
        let named_user = field.entry == EntryKind::User
            && (users_with_certs == 1
                || config.current_user.as_deref() == Some(field.name.as_str()));
        match field.value {
            FieldValue::Data(data) => {
                let (mut blocks, errors) = pem_blocks(&data);
                policy.keep(&mut blocks);
                for e in errors {
                    out.problem(
                        path,
                        Severity::Warning,
                        ProblemKind::Kubeconfig,
                        format!(
                            "{} of {} {}: {}",
                            field.field,
                            entry_word(&field.entry),
                            field.name,
                            e.error
                        ),
                    );
                }
                if blocks.is_empty() && !looks_like_pem(&data) {
                    out.problem(
                        path,
                        Severity::Warning,
                        ProblemKind::Kubeconfig,
                        format!(
                            "{} of {} {} holds no PEM data",
                            field.field,
                            entry_word(&field.entry),
                            field.name
                        ),
                    );
                }
                let name = if named_user {
                    kubeadm::name_for_kubeconfig(path)
                } else {
                    None
                };
                let (entry, fname, fld) = (field.entry.clone(), field.name.clone(), field.field);
                add_blocks(out, blocks, path, name, |index| Origin::Kubeconfig {
                    path: path.to_path_buf(),
                    entry: entry.clone(),
                    name: fname.clone(),
                    field: fld.to_string(),
                    index,
                });
            }
            FieldValue::File(target) => out.refs.push(FileRef {
                kubeconfig: path.to_path_buf(),
                entry: field.entry,
                name: field.name,
                field: field.field,
                target,
            }),
            FieldValue::BadBase64(e) => out.problem(
                path,
                Severity::Warning,
                ProblemKind::Kubeconfig,
                format!(
                    "{} of {} {} is not valid base64: {e}",
                    field.field,
                    entry_word(&field.entry),
                    field.name
                ),
            ),
        }
    }
}

pub fn entry_word(e: &EntryKind) -> &'static str {
    match e {
        EntryKind::User => "user",
        EntryKind::Cluster => "cluster",
    }
}
