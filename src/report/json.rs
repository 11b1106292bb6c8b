//! The stable JSON document of `kcert check --output json`, documented in `docs/json.md` and
//! checked against `docs/check.schema.json` by `tests/check/schema.rs`.
//!
//! Serialized straight from borrowed views of the inventory: building a `serde_json::Value`
//! tree first cost several times the inventory's memory on large trees.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::pki::distro::{Distribution, NodeRole};
use crate::pki::{
    CaRole, CertEntry, ChainVerdict, CsrEntry, EntryKind, Health, Inventory, KeyAlgorithm,
    KeyEntry, KeyFormat, Origin, Problem, ProblemKind, Severity, Sha256, Status, Usages, WorkDir,
};
use crate::runtime::{
    served_by_cert, Component, NodeSettings, ProbeResult, Role, ServedState, Usage,
};

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Source<'a> {
    File,
    Kubeconfig {
        entry: &'a EntryKind,
        name: &'a str,
        field: &'a str,
    },
}

impl<'a> From<&'a Origin> for Source<'a> {
    fn from(o: &'a Origin) -> Self {
        match o {
            Origin::File { .. } => Source::File,
            Origin::Kubeconfig {
                entry, name, field, ..
            } => Source::Kubeconfig { entry, name, field },
        }
    }
}

#[derive(Serialize)]
struct Cert<'a> {
    path: Cow<'a, Path>,
    index: usize,
    name: Option<&'a str>,
    subject: &'a str,
    issuer: &'a str,
    serial: &'a str,
    not_before: String,
    not_after: String,
    days_left: i64,
    /// Expiry alone; `health` is the worst of everything wrong with the certificate.
    status: Status,
    health: Health,
    chain: ChainVerdict,
    issuer_path: Option<Cow<'a, Path>>,
    key_path: Option<Cow<'a, Path>>,
    key_match: Option<bool>,
    sans: &'a [String],
    usages: &'a Usages,
    is_ca: bool,
    key_algorithm: KeyAlgorithm,
    signature_algorithm: &'a str,
    sha256: Sha256,
    spki_sha256: Sha256,
    join_hash: Option<String>,
    ski: Option<String>,
    aki: Option<String>,
    referenced_by: Vec<Cow<'a, Path>>,
    symlink_target: Option<&'a PathBuf>,
    superseded: bool,
    /// The CA's own file when this is a copy of it inside another file; `null` otherwise.
    copy_of: Option<Cow<'a, Path>>,
    /// For a CA the role it plays, for a leaf the role of the CA it must be under:
    /// `kubernetes`, `client`, `server`, `front-proxy`, `etcd`, `etcd-server`, `etcd-peer`.
    ca_role: Option<CaRole>,
    source: Source<'a>,
    /// Who uses this certificate, from the node's manifests and kubelet config.
    consumers: Vec<ConsumerOut<'a>>,
    /// What the endpoints serving this file serve; `null` when not probed.
    served: Option<Vec<ServedOut<'a>>>,
}

#[derive(Serialize)]
struct ConsumerOut<'a> {
    component: &'a str,
    flag: &'a str,
    path: &'a std::path::Path,
    role: Role,
}

#[derive(Serialize)]
struct ServedOut<'a> {
    component: Component,
    listener: &'a str,
    address: String,
    state: ServedState,
    served_sha256: Option<&'a str>,
    served_serial: Option<&'a str>,
    served_not_after: Option<String>,
    elapsed_ms: u64,
}

/// What `kcert check` knows beyond the inventory: the node's consumers and, with `--probe`,
/// what its endpoints serve; and the exit code the binary decided.
#[derive(Debug, Clone, Copy)]
pub struct Extras<'a> {
    /// The process's exit code, written into the document for scripts that keep only stdout.
    pub exit_code: u8,
    pub usage: Option<&'a Usage>,
    /// `None`: not probed (every `served` is `null`).
    pub probes: Option<&'a [ProbeResult]>,
    /// Kubelet rotation, CSR signer and aggregation layer settings; `None`: no node config.
    pub settings: Option<&'a NodeSettings>,
}

fn consumers<'a>(extras: &Extras<'a>, id: usize) -> Vec<ConsumerOut<'a>> {
    extras
        .usage
        .map(|u| {
            u.of(id)
                .map(|c| ConsumerOut {
                    component: &c.component,
                    flag: &c.flag,
                    path: &c.path,
                    role: c.role,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn served<'a>(probes: &'a [ProbeResult], indices: &[usize]) -> Vec<ServedOut<'a>> {
    indices
        .iter()
        .map(|&i| {
            let r = &probes[i];
            ServedOut {
                component: r.endpoint.component,
                listener: r.endpoint.listener,
                address: r.endpoint.addr.to_string(),
                state: r.state,
                served_sha256: r.served.as_ref().map(|s| s.sha256.as_str()),
                served_serial: r.served.as_ref().map(|s| s.serial.as_str()),
                served_not_after: r.served.as_ref().map(|s| rfc3339(s.not_after)),
                elapsed_ms: u64::try_from(r.elapsed.as_millis()).unwrap_or(u64::MAX),
            }
        })
        .collect()
}

fn cert<'a>(
    inv: &'a Inventory,
    wd: &WorkDir,
    id: usize,
    c: &'a CertEntry,
    health: Health,
) -> Cert<'a> {
    Cert {
        path: wd.absolute(c.origin.path()),
        index: c.origin.index(),
        name: c.name(),
        subject: &c.subject,
        issuer: &c.issuer,
        serial: &c.serial,
        not_before: rfc3339(c.not_before),
        not_after: rfc3339(c.not_after),
        days_left: c.days_left(inv.generated_at),
        status: c.status,
        health,
        chain: c.chain,
        issuer_path: c.issuer_id.map(|i| wd.absolute(inv.certs[i].origin.path())),
        key_path: c.key_id.map(|k| wd.absolute(inv.keys[k].origin.path())),
        key_match: c.key_match,
        sans: &c.sans,
        usages: &c.usages,
        is_ca: c.is_ca,
        key_algorithm: c.key_algorithm,
        signature_algorithm: &c.signature_algorithm,
        sha256: c.sha256,
        spki_sha256: c.spki_sha256,
        join_hash: c.join_hash(),
        ski: c.ski.as_deref().map(crate::pki::format::hex),
        aki: c.aki.as_deref().map(crate::pki::format::hex),
        referenced_by: c.referenced_by.iter().map(|p| wd.absolute(p)).collect(),
        symlink_target: c.symlink_target.as_ref(),
        superseded: c.superseded,
        copy_of: c.copy_of.map(|o| wd.absolute(inv.certs[o].origin.path())),
        ca_role: match c.is_ca {
            true => inv.ca_role(id),
            false => inv.expected_ca(id).map(|e| e.ca_role),
        },
        source: (&c.origin).into(),
        consumers: Vec::new(),
        served: None,
    }
}

#[derive(Serialize)]
struct Key<'a> {
    path: Cow<'a, Path>,
    index: usize,
    private: bool,
    format: KeyFormat,
    encrypted: bool,
    algorithm: KeyAlgorithm,
    cert_path: Option<Cow<'a, Path>>,
    cert_index: Option<usize>,
    matches: Option<bool>,
    source: Source<'a>,
}

fn key<'a>(inv: &'a Inventory, wd: &WorkDir, k: &'a KeyEntry) -> Key<'a> {
    let c = k.cert_id.map(|c| &inv.certs[c]);
    Key {
        path: wd.absolute(k.origin.path()),
        index: k.origin.index(),
        private: k.is_private,
        format: k.format,
        encrypted: k.is_encrypted(),
        algorithm: k.algorithm,
        cert_path: c.map(|c| wd.absolute(c.origin.path())),
        cert_index: c.map(|c| c.origin.index()),
        matches: c.and_then(|c| match (k.public_key_id, c.public_key_id) {
            (Some(a), Some(b)) => Some(a == b),
            _ => None,
        }),
        source: (&k.origin).into(),
    }
}

#[derive(Serialize)]
struct ServiceAccount {
    key_path: Option<PathBuf>,
    pub_path: Option<PathBuf>,
    matches: Option<bool>,
}

#[derive(Serialize)]
struct Csr<'a> {
    path: Cow<'a, Path>,
    index: usize,
    subject: &'a str,
    sans: &'a [String],
    key_algorithm: KeyAlgorithm,
    signature_valid: bool,
}

fn csr<'a>(wd: &WorkDir, r: &'a CsrEntry) -> Csr<'a> {
    Csr {
        path: wd.absolute(r.origin.path()),
        index: r.origin.index(),
        subject: &r.subject,
        sans: &r.sans,
        key_algorithm: r.key_algorithm,
        signature_valid: r.signature_valid,
    }
}

#[derive(Serialize)]
struct ProblemOut<'a> {
    path: Cow<'a, Path>,
    severity: Severity,
    kind: ProblemKind,
    message: &'a str,
}

fn problem<'a>(wd: &WorkDir, p: &'a Problem) -> ProblemOut<'a> {
    ProblemOut {
        path: wd.absolute(&p.path),
        severity: p.severity,
        kind: p.kind,
        message: &p.message,
    }
}

#[derive(Serialize)]
struct Thresholds {
    warn_days: i64,
    crit_days: i64,
}

#[derive(Serialize)]
struct Document<'a> {
    generated_at: String,
    /// `kubeadm`, `k3s`, `rke2`, `microk8s`, `kubespray`, `hard-way`, `openshift`, `talos`
    /// or `unknown`.
    distribution: Distribution,
    /// `server` (control-plane credentials), `agent` (a kubelet's), both, or none.
    roles: &'a [NodeRole],
    roots: Vec<PathBuf>,
    thresholds: Thresholds,
    certificates: Slot,
    keys: Slot,
    service_accounts: Vec<ServiceAccount>,
    csrs: Vec<Csr<'a>>,
    node_settings: Option<&'a NodeSettings>,
    problems: Vec<ProblemOut<'a>>,
    exit_code: u8,
}

/// Write the whole inventory as the documented JSON document, pretty-printed, with each
/// certificate's `consumers` and `served` filled in from `extras`.
pub fn write_json_with(
    inv: &Inventory,
    extras: &Extras<'_>,
    mut out: impl Write,
) -> serde_json::Result<()> {
    let by_cert = extras.probes.map(|p| served_by_cert(inv, p));
    let health = inv.healths();
    let wd = WorkDir::default();
    let doc = Document {
        generated_at: rfc3339(inv.generated_at),
        distribution: inv.distribution.distribution,
        roles: &inv.distribution.roles,
        roots: inv
            .roots
            .iter()
            .map(|r| wd.absolute(r).into_owned())
            .collect(),
        thresholds: Thresholds {
            warn_days: inv.thresholds.warn_days,
            crit_days: inv.thresholds.crit_days,
        },
        certificates: Slot(CERTIFICATES),
        keys: Slot(KEYS),
        service_accounts: inv
            .service_accounts
            .iter()
            .map(|p| ServiceAccount {
                key_path: p
                    .key_id
                    .map(|k| wd.absolute(inv.keys[k].origin.path()).into_owned()),
                pub_path: p
                    .pub_id
                    .map(|k| wd.absolute(inv.keys[k].origin.path()).into_owned()),
                matches: p.matches,
            })
            .collect(),
        csrs: inv.csrs.iter().map(|r| csr(&wd, r)).collect(),
        node_settings: extras.settings,
        problems: inv.problems.iter().map(|p| problem(&wd, p)).collect(),
        exit_code: extras.exit_code,
    };
    let skeleton = serde_json::to_vec_pretty(&doc)?;
    let (head, rest) = split_at_slot(&skeleton, CERTIFICATES);
    let (middle, tail) = split_at_slot(rest, KEYS);
    out.write_all(head).map_err(serde_json::Error::io)?;
    write_array(&mut out, &inv.certs, |id, c| {
        let mut view = cert(inv, &wd, id, c, health[id]);
        view.consumers = consumers(extras, id);
        view.served = match (extras.probes, &by_cert) {
            (Some(p), Some(b)) => Some(served(p, &b[id])),
            _ => None,
        };
        view
    })?;
    out.write_all(middle).map_err(serde_json::Error::io)?;
    write_array(&mut out, &inv.keys, |_, k| key(inv, &wd, k))?;
    out.write_all(tail).map_err(serde_json::Error::io)
}

/// The two long arrays are rendered apart, in parallel, and spliced into the pretty-printed
/// rest of the document where these placeholders stand. A NUL cannot occur in the paths
/// and numbers that come before them, so the first match is the placeholder.
const CERTIFICATES: &str = "\u{0}kcert:certificates";
const KEYS: &str = "\u{0}kcert:keys";

struct Slot(&'static str);

impl Serialize for Slot {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

/// The bytes before and after the placeholder's JSON string.
fn split_at_slot<'b>(json: &'b [u8], slot: &str) -> (&'b [u8], &'b [u8]) {
    let quoted = serde_json::to_vec(slot).unwrap_or_default();
    match json
        .windows(quoted.len())
        .position(|w| w == quoted.as_slice())
    {
        Some(at) => (&json[..at], &json[at + quoted.len()..]),
        None => (json, &[]),
    }
}

/// Write `items` as the pretty JSON array a member of the top-level object would be, the
/// same bytes `serde_json::to_writer_pretty` gives. Rendered in parallel a window at a time,
/// so memory stays bounded by the window, not the document.
fn write_array<'a, T: Sync, V: Serialize>(
    out: &mut impl Write,
    items: &'a [T],
    view: impl Fn(usize, &'a T) -> V + Sync,
) -> serde_json::Result<()> {
    use rayon::prelude::*;
    use serde_json::ser::{Formatter, PrettyFormatter, Serializer};
    const CHUNK: usize = 128;
    const WINDOW: usize = 16 * CHUNK;
    if items.is_empty() {
        return out.write_all(b"[]").map_err(serde_json::Error::io);
    }
    let render = |first: usize, chunk: &'a [T]| -> serde_json::Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(chunk.len() * 2048);
        for (i, item) in chunk.iter().enumerate() {
            let id = first + i;
            buf.extend_from_slice(if id == 0 { b"\n    " } else { b",\n    " });
            // Inside the document's object and this array: two levels deep.
            let mut f = PrettyFormatter::with_indent(b"  ");
            f.begin_object(&mut std::io::sink())
                .map_err(serde_json::Error::io)?;
            f.begin_array(&mut std::io::sink())
                .map_err(serde_json::Error::io)?;
            view(id, item).serialize(&mut Serializer::with_formatter(&mut buf, f))?;
        }
        Ok(buf)
    };
    out.write_all(b"[").map_err(serde_json::Error::io)?;
    for (w, window) in items.chunks(WINDOW).enumerate() {
        let parts: Vec<Vec<u8>> = window
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| render(w * WINDOW + c * CHUNK, chunk))
            .collect::<serde_json::Result<_>>()?;
        for part in parts {
            out.write_all(&part).map_err(serde_json::Error::io)?;
        }
    }
    out.write_all(b"\n  ]").map_err(serde_json::Error::io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(id: usize) -> serde_json::Value {
        json!({"id": id, "name": format!("leaf-{id}"), "sans": ["a", "b"], "nested": {"x": []}})
    }

    #[test]
    fn arrays_rendered_in_parallel_are_the_bytes_serde_writes() {
        // Chunk and window edges, and the empty array.
        for n in [0usize, 1, 127, 128, 129, 2048, 2049, 5000] {
            let items: Vec<usize> = (0..n).collect();
            let mut ours = b"{\n  \"a\": ".to_vec();
            write_array(&mut ours, &items, |id, &it| {
                assert_eq!(id, it, "ids follow the items");
                item(it)
            })
            .unwrap();
            ours.extend_from_slice(b"\n}");
            let whole: Vec<_> = items.iter().map(|&i| item(i)).collect();
            let expected = serde_json::to_vec_pretty(&json!({ "a": whole })).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{n} items"
            );
        }
    }

    #[test]
    fn only_the_placeholder_is_split_at() {
        let json = br#"{"a": "x", "b": "\u0000kcert:keys", "c": "\u0000kcert:keys"}"#;
        let (head, tail) = split_at_slot(json, KEYS);
        assert_eq!(head, br#"{"a": "x", "b": "#);
        assert_eq!(tail, br#", "c": "\u0000kcert:keys"}"#);
    }
}
