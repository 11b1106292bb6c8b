//! The stable JSON document of `kcert check --output json` (documented in the README).

use chrono::SecondsFormat;
use serde_json::{json, Value};

use super::{absolute, exit_code};
use crate::pki::{CertEntry, Inventory, KeyEntry, Origin};

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn source(origin: &Origin) -> Value {
    match origin {
        Origin::File { .. } => json!({"type": "file"}),
        Origin::Kubeconfig {
            entry, name, field, ..
        } => json!({"type": "kubeconfig", "entry": entry, "name": name, "field": field}),
    }
}

fn cert_json(inv: &Inventory, c: &CertEntry) -> Value {
    let issuer_path = c.issuer_id.map(|i| absolute(inv.certs[i].origin.path()));
    let key_path = c.key_id.map(|k| absolute(inv.keys[k].origin.path()));
    json!({
        "path": absolute(c.origin.path()),
        "index": c.origin.index(),
        "name": c.kubeadm_name,
        "subject": c.subject,
        "issuer": c.issuer,
        "serial": c.serial,
        "not_before": rfc3339(c.not_before),
        "not_after": rfc3339(c.not_after),
        "days_left": c.days_left(inv.generated_at),
        "status": c.status,
        "chain": c.chain,
        "issuer_path": issuer_path,
        "key_path": key_path,
        "key_match": c.key_match,
        "sans": c.sans,
        "usages": c.usages,
        "is_ca": c.is_ca,
        "key_algorithm": c.key_algorithm,
        "signature_algorithm": c.signature_algorithm,
        "sha256": c.sha256,
        "spki_sha256": c.spki_sha256,
        "ski": c.ski,
        "aki": c.aki,
        "referenced_by": c.referenced_by.iter().map(|p| absolute(p)).collect::<Vec<_>>(),
        "symlink_target": c.symlink_target,
        "superseded": c.superseded,
        "source": source(&c.origin),
    })
}

fn key_json(inv: &Inventory, k: &KeyEntry) -> Value {
    let cert = k.cert_id.map(|c| &inv.certs[c]);
    json!({
        "path": absolute(k.origin.path()),
        "index": k.origin.index(),
        "private": k.is_private,
        "format": k.format,
        "encrypted": k.is_encrypted(),
        "algorithm": k.algorithm,
        "cert_path": cert.map(|c| absolute(c.origin.path())),
        "cert_index": cert.map(|c| c.origin.index()),
        "matches": cert.and_then(|c| match (k.public_key_id, c.public_key_id) {
            (Some(a), Some(b)) => Some(a == b),
            _ => None,
        }),
        "source": source(&k.origin),
    })
}

/// The whole inventory as the documented JSON document.
pub fn to_json(inv: &Inventory) -> Value {
    let sa: Vec<Value> = inv
        .service_accounts
        .iter()
        .map(|p| {
            json!({
                "key_path": p.key_id.map(|k| absolute(inv.keys[k].origin.path())),
                "pub_path": p.pub_id.map(|k| absolute(inv.keys[k].origin.path())),
                "matches": p.matches,
            })
        })
        .collect();
    let csrs: Vec<Value> = inv
        .csrs
        .iter()
        .map(|r| {
            json!({
                "path": absolute(r.origin.path()),
                "index": r.origin.index(),
                "subject": r.subject,
                "sans": r.sans,
                "key_algorithm": r.key_algorithm,
                "signature_valid": r.signature_valid,
            })
        })
        .collect();
    let problems: Vec<Value> = inv
        .problems
        .iter()
        .map(|p| json!({"path": absolute(&p.path), "severity": p.severity, "kind": p.kind, "message": p.message}))
        .collect();
    json!({
        "generated_at": rfc3339(inv.generated_at),
        "roots": inv.roots.iter().map(|r| absolute(r)).collect::<Vec<_>>(),
        "thresholds": {"warn_days": inv.thresholds.warn_days, "crit_days": inv.thresholds.crit_days},
        "certificates": inv.certs.iter().map(|c| cert_json(inv, c)).collect::<Vec<_>>(),
        "keys": inv.keys.iter().map(|k| key_json(inv, k)).collect::<Vec<_>>(),
        "service_accounts": sa,
        "csrs": csrs,
        "problems": problems,
        "exit_code": exit_code(inv),
    })
}
