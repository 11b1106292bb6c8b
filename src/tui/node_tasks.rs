//! The node's runtime as the event loop works on it: scanning with the consumers of each file,
//! probing the listeners, planning and carrying out restarts. Public so tests perform the
//! loop's commands the same way.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::action::{Msg, RestartFailed, RestartMsg, ScanRequest, Scanned, TaskError};
use crate::error::ScanError;
use crate::pki;
use crate::renew;
use crate::runtime::journal;
use crate::runtime::restart::Progress;
use crate::runtime::{self, Component, Endpoint, Node, NodePaths, RestartPlan};

/// Scan, then read the node's manifests and kubelet config and add what they say to the
/// inventory. Blocking: run it off the UI thread.
pub fn scan(req: &ScanRequest) -> Result<Scanned, ScanError> {
    let mut inv = pki::scan(&req.opts)?;
    let Some(paths) = &req.node else {
        return Ok(inv.into());
    };
    let findings = runtime::analyse(&inv, paths);
    runtime::add_problems(&mut inv, findings.problems());
    // Loopback only: the UI never probes an address on a manifest's say-so.
    let targets = runtime::targets(&findings.node, &[]);
    let replaced = renew::history::replaced(&paths.tmp_dir().join(journal::HISTORY));
    Ok(Scanned {
        inv,
        findings: Some(findings),
        targets,
        replaced,
    })
}

/// Certificate `id` laid out like `openssl x509 -text`, from kcert's decode.
pub fn x509_text(inv: &pki::Inventory, id: pki::CertId) -> Msg {
    let lines = match inv.der(id) {
        None => Err(format!(
            "{} no longer holds this certificate: Ctrl-R scans again",
            inv.certs[id].origin.describe()
        )),
        Some(der) => pki::decode::x509_text(&der)
            .map(|text| text.lines().map(str::to_string).collect())
            .map_err(|e| format!("cannot decode it again: {e}")),
    };
    Msg::TextShown {
        title: format!("{}: openssl x509 -text", inv.certs[id].display_name()),
        lines,
    }
}

/// CA `id`'s plan, as `kcert ca plan` prints it for this node (reads the manifests); the
/// cluster's copies are left to `kcert ca plan`, which reads them.
pub fn plan_ca(inv: &pki::Inventory, id: pki::CertId) -> Msg {
    use crate::report::ca_plan::{describe_ca_plan, this_node, ClusterView};
    let id = inv.original(id);
    let cluster = ClusterView::Unread("the UI shows this node's part; `kcert ca plan` reads them");
    Msg::CaPlanned {
        title: format!("{}: the CA plan", inv.label(&inv.certs[id])),
        lines: Ok(describe_ca_plan(
            inv,
            id,
            cluster,
            this_node(inv).as_deref(),
        )),
    }
}

/// Probe every endpoint at once, each bounded by [`runtime::probe::DEFAULT_TIMEOUT`].
pub async fn probe(generation: u64, endpoints: Vec<Endpoint>) -> Msg {
    let results = runtime::probe(&endpoints, runtime::probe::DEFAULT_TIMEOUT).await;
    Msg::Probed {
        generation,
        results,
    }
}

/// Plan a restart of each component against the node as it is now. Blocking (reads the
/// manifests and the journal).
pub fn plan_restarts(
    paths: &NodePaths,
    components: &[Component],
    now: DateTime<Utc>,
) -> Result<Vec<RestartPlan>, TaskError> {
    let node = Node::read(paths);
    let targets = runtime::targets(&node, &[]);
    let opts = runtime::RestartOptions::new(now);
    components
        .iter()
        .map(|&c| runtime::plan_restart(&node, c, &targets, &opts).map_err(TaskError::from))
        .collect()
}

/// Restart the planned components one after another, reporting each step through `send`;
/// stops at the first failure. `cancel` completing puts the current manifest back.
pub async fn restart_all(
    plans: Vec<RestartPlan>,
    cancel: impl Future<Output = ()>,
    send: impl Fn(Msg),
) {
    // Shared, so one cancel covers every restart in turn.
    let cancel = futures::FutureExt::shared(Box::pin(cancel));
    for plan in &plans {
        let c = plan.component;
        let progress = |p: Progress<'_>| match p {
            Progress::Begin(kind) => send(Msg::Restart(RestartMsg::Begin(c, kind))),
            Progress::End(step) => send(Msg::Restart(RestartMsg::End(c, step.clone()))),
            Progress::Probed(_) => {}
        };
        let result = runtime::restart(plan, cancel.clone(), progress).await;
        let failed = result.is_err();
        let result = result.map(|r| r.total).map_err(|error| {
            Box::new(RestartFailed {
                error,
                journal: journal_state(plan),
            })
        });
        send(Msg::Restart(RestartMsg::Done {
            component: c,
            result,
        }));
        if failed {
            break;
        }
    }
    send(Msg::Restart(RestartMsg::AllDone));
}

/// What the journal and the manifests directory say after a failed restart.
fn journal_state(plan: &RestartPlan) -> String {
    match journal::read_pending(&plan.tmp_dir) {
        Ok(Some(p)) => format!("Journal: {}", crate::report::runtime::pending_line(&p)),
        Ok(None) if plan.manifest.exists() => format!(
            "Journal: nothing pending; the manifest is in place at {}",
            plan.manifest.display()
        ),
        Ok(None) => format!(
            "Journal: nothing pending, but {} is missing: look in {}",
            plan.manifest.display(),
            plan.backup_dir.display()
        ),
        Err(e) => format!("Journal: cannot be read: {e}"),
    }
}
