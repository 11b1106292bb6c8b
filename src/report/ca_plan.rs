//! `kcert ca plan` in words: this node's part ([`crate::renew::local_plan`]), the copies the
//! cluster holds when it answered ([`crate::cluster::ca_copies`]), the ordered steps — who
//! restarts, and by when — and the manual rotation for a lost key. Nothing is run.

use chrono::{DateTime, Utc};

use crate::cluster::ca_copies::{findings, grouped, ClusterCopies, CopyState, Finding, Place};
use crate::pki::format::datetime;
use crate::pki::{CertId, Inventory};
use crate::renew::{and_list, local_plan, restarts};

/// What `kcert ca plan` knows of the cluster.
#[derive(Debug, Clone, Copy)]
pub enum ClusterView<'a> {
    Read(&'a ClusterCopies),
    /// Nothing could be read, and why (no kubeconfig, unreachable, refused).
    Unread(&'a str),
}

/// Objects named in a group before "and N more".
const NAMES: usize = 5;

/// The node this inventory is from, by its kubelet's client certificate
/// (`CN=system:node:NAME`).
pub fn this_node(inv: &Inventory) -> Option<String> {
    inv.certs
        .iter()
        .filter(|c| !c.is_ca && c.key_match == Some(true))
        .find_map(|c| {
            let rest = c.subject.split("CN=system:node:").nth(1)?;
            let name = rest.split(',').next()?.trim();
            (!name.is_empty()).then(|| name.to_string())
        })
}

/// The unit a place counts in.
fn unit(place: Place) -> &'static str {
    match place {
        Place::RootCaConfigMaps => "namespaces",
        Place::TokenSecrets => "Secrets",
        Place::ApiServices => "APIServices",
        _ => "webhooks",
    }
}

/// One place's line: what it holds, grouped.
fn finding_line(f: &Finding, expected: bool, now: DateTime<Utc>) -> String {
    let title = f.place.title();
    let copies = match &f.copies {
        Err(why) => return format!("    {title}: not read: {why}"),
        Ok(c) => c,
    };
    match (f.place.single(), copies.as_slice()) {
        (true, [(_, state)]) => format!("    {title}: {}", state.text(now)),
        (_, []) if expected => format!("    {title}: none"),
        (_, []) => format!("    {title}: none of {} holds it", f.checked),
        (_, list) if expected => format!(
            "    {title} ({} {}): {}",
            list.len(),
            unit(f.place),
            grouped(list, now, NAMES)
        ),
        (_, list) => format!(
            "    {title}: {} of {} {} hold it: {}",
            list.len(),
            f.checked,
            unit(f.place),
            grouped(list, now, NAMES)
        ),
    }
}

/// Objects of `place` holding an old copy.
fn old_in<'a>(found: &'a [Finding], places: &[Place]) -> Vec<&'a str> {
    found
        .iter()
        .filter(|f| places.contains(&f.place))
        .filter_map(|f| f.copies.as_ref().ok())
        .flatten()
        .filter(|(_, s)| matches!(s, CopyState::Old { .. }))
        .map(|(n, _)| n.as_str())
        .collect()
}

/// The plan for CA `id` as lines of text.
pub fn describe_ca_plan(
    inv: &Inventory,
    id: CertId,
    cluster: ClusterView<'_>,
    this_node: Option<&str>,
) -> Vec<String> {
    let now = inv.generated_at;
    let local = local_plan(inv, id);
    let name = local.name.as_deref();
    let label = &local.label;
    let ca_der = &inv.certs[inv.original(id)].der;
    let control_plane_only = matches!(name, Some("etcd-ca" | "front-proxy-ca"));
    let mut out = local.lines.clone();

    // The cluster's copies, and the other nodes.
    let found = match cluster {
        ClusterView::Read(c) => findings(c, ca_der, name),
        ClusterView::Unread(_) => Vec::new(),
    };
    let mut others: Option<Vec<String>> = None;
    match cluster {
        ClusterView::Unread(why) => {
            let mut what: Vec<String> = Place::ALL
                .iter()
                .filter(|p| p.expected().is_none() || p.expected() == name)
                .map(|p| p.title().to_string())
                .collect();
            what.push("the Node list (the other nodes to import it)".into());
            out.push(format!(
                "In the cluster: not read ({}): {why}",
                and_list(&what)
            ));
        }
        ClusterView::Read(c) => {
            out.push(format!("In the cluster ({}):", c.server));
            for f in &found {
                let expected = f.place.expected().is_some() && f.place.expected() == name;
                out.push(finding_line(f, expected, now));
                if f.copies.as_ref().is_ok_and(|l| !l.is_empty()) {
                    out.push(format!("      ({})", f.place.refresh()));
                }
            }
            out.push(match &c.nodes {
                Err(why) => format!("    Nodes: not read: {why}"),
                Ok(nodes) => {
                    let names: Vec<String> = nodes
                        .iter()
                        .filter(|n| Some(n.name.as_str()) != this_node)
                        .filter(|n| n.control_plane || !control_plane_only)
                        .map(|n| n.name.clone())
                        .collect();
                    let here = match this_node {
                        Some(n) => format!("this node: {n}"),
                        None => "this node not told from its kubelet certificate".into(),
                    };
                    let who = match control_plane_only {
                        true => "other control-plane nodes",
                        false => "other nodes",
                    };
                    let line = match names.is_empty() {
                        true => format!("    Nodes: {} ({here}); no {who} hold it", nodes.len()),
                        false => format!(
                            "    Nodes: {} ({here}); {who} keep their own copies (kcert cannot \
                             see their files from here): {}",
                            nodes.len(),
                            and_list(&names)
                        ),
                    };
                    others = Some(names);
                    line
                }
            });
        }
    }

    // The ordered steps, before the first old copy stops working.
    let first_end = found
        .iter()
        .filter_map(|f| f.copies.as_ref().ok())
        .flatten()
        .filter_map(|(_, s)| match s {
            CopyState::Old { until } => Some(*until),
            _ => None,
        })
        .min();
    let (by, who, verb) = match first_end {
        Some(t) if t < local.not_after => (t, "the old copies in the cluster", "stop"),
        _ => (local.not_after, "every old copy", "stops"),
    };
    // A deadline already behind: not "before" it, but now.
    out.push(match by <= now {
        true => format!("Steps, now: {who} stopped working on {}:", datetime(by)),
        false => format!(
            "Steps, all before {} (when {who} {verb} working):",
            datetime(by)
        ),
    });
    let mut steps = Vec::new();
    let newer = found
        .iter()
        .filter_map(|f| f.copies.as_ref().ok())
        .flatten()
        .find(|(_, s)| matches!(s, CopyState::Newer { .. }));
    if let Some((where_, _)) = newer {
        steps.push(format!(
            "{where_} holds a later certificate of this CA than this node: it was renewed \
             elsewhere; copy that certificate here and run `kcert ca import <file>` first"
        ));
    }
    let update_flag = match name == Some("ca") {
        true => "; with --update-cluster it also updates kube-public/cluster-info",
        false => "",
    };
    steps.push(match first_end {
        // This node holds a later certificate than the cluster's copies: renewed already.
        Some(_) => format!(
            "kcert renew {label}: done (this node holds a later certificate than the old \
             copies in the cluster)"
        ),
        None => format!(
            "kcert renew {label} on the node that holds its key (backups, journal, every copy \
             on that node){update_flag}"
        ),
    });
    let file = local
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let where_ = match (&others, control_plane_only) {
        (Some(n), _) if n.is_empty() => None,
        (Some(n), _) => Some(format!("on {}", and_list(n))),
        (None, true) => Some("on every other control-plane node".into()),
        (None, false) => Some("on every other node".into()),
    };
    if let Some(where_) = where_ {
        steps.push(format!(
            "{where_}: copy the new {file} there and run `kcert ca import <file>`"
        ));
    }
    if name == Some("ca") {
        let info_current = found.iter().any(|f| {
            f.place == Place::ClusterInfo
                && f.copies
                    .as_ref()
                    .is_ok_and(|l| l.iter().all(|(_, s)| *s == CopyState::Current))
        });
        if !info_current {
            steps.push(
                "put the new certificate into kube-public/cluster-info (kubeadm join reads it): \
                 `kcert renew ca --update-cluster`, or afterwards `kcert ca import <new ca.crt> \
                 --update-cluster` on a node with admin credentials; and into users' \
                 kubeconfigs on other machines"
                    .into(),
            );
        }
    }
    let refreshed = old_in(&found, &[Place::RootCaConfigMaps, Place::TokenSecrets]).len();
    for step in restarts(name) {
        match (
            step.starts_with("restart kube-controller-manager"),
            refreshed,
        ) {
            (true, n) if n > 0 => steps.push(format!(
                "{step}; {n} ConfigMap(s) and Secret(s) above still hold the old copy"
            )),
            _ => steps.push(step.to_string()),
        }
    }
    let bundles = old_in(
        &found,
        &[
            Place::ValidatingWebhooks,
            Place::MutatingWebhooks,
            Place::ApiServices,
        ],
    );
    if !bundles.is_empty() {
        let names: Vec<String> = bundles.iter().map(|b| b.to_string()).collect();
        steps.push(format!(
            "replace the old copy in the caBundle of {} where each was installed (its chart, \
             operator or manifest): nothing refreshes them",
            and_list(&names)
        ));
    }
    out.extend(
        steps
            .iter()
            .enumerate()
            .map(|(i, s)| format!("  {}. {s}", i + 1)),
    );
    out.push(format!(
        "If its key is lost or compromised, a new key needs the phased manual rotation \
         (kubernetes.io \"Manual Rotation of CA Certificates\"): 1. trust both (bundle old and new \
         in every copy above), 2. re-issue every leaf under the new key (`kcert renew --all`), \
         restart everything, 3. drop the old CA from the bundles. Its path on this node: {}",
        local.path.display()
    ));
    out
}

/// After `--update-cluster`: the copies of the kubernetes CA `new_der` that refresh by
/// themselves once the components restart, as the cluster holds them now.
pub fn refreshing(
    copies: Result<&ClusterCopies, &str>,
    new_der: &[u8],
    now: DateTime<Utc>,
) -> Vec<String> {
    let places = [
        Place::RootCaConfigMaps,
        Place::TokenSecrets,
        Place::ClientCaFile,
    ];
    let mut out = vec!["These copies refresh by themselves after the restarts:".to_string()];
    match copies {
        Err(why) => {
            for p in places {
                out.push(format!("    {} ({})", p.title(), p.refresh()));
            }
            out.push(format!("    (not read now: {why})"));
        }
        Ok(c) => {
            for f in findings(c, new_der, Some("ca"))
                .iter()
                .filter(|f| places.contains(&f.place))
            {
                out.push(finding_line(f, true, now));
                out.push(format!("      ({})", f.place.refresh()));
            }
        }
    }
    out
}
