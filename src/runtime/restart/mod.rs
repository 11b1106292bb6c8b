//! Restart a static pod the documented way: move its manifest out of the manifests directory,
//! wait until the component stops serving, move it back, wait until it serves the certificate
//! on disk.
//!
//! The manifest is never lost: the move is journalled and synced before it happens; a guard
//! puts the manifest back on any error, cancellation, panic or dropped future; a kcert killed
//! outright leaves the journal for [`super::journal::recover`].

mod needed;
mod run;

pub use needed::{components_to_restart, readers_of};
pub use run::restart;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::endpoints::{Endpoint, Targets};
use super::journal::{self, JournalError, Pending};
use super::probe::ProbeResult;
use super::{Component, Node};

/// How to restart.
#[derive(Debug, Clone)]
pub struct RestartOptions {
    pub now: DateTime<Utc>,
    /// Default `<kubernetes dir>/tmp/kcert-backup-restart-<component>-<UTC timestamp>`.
    pub backup_dir: Option<PathBuf>,
    /// How long to wait for the component to stop serving before moving the manifest back.
    pub stop_timeout: Duration,
    /// How long to wait for it to serve the certificate on disk afterwards.
    pub start_timeout: Duration,
    /// Pause between probes.
    pub poll: Duration,
    pub probe_timeout: Duration,
}

impl RestartOptions {
    /// The kubelet notices a manifest change within its 20 s file check; pods take their
    /// grace period to stop and the API server a minute or more to become ready.
    pub fn new(now: DateTime<Utc>) -> Self {
        RestartOptions {
            now,
            backup_dir: None,
            stop_timeout: Duration::from_secs(90),
            start_timeout: Duration::from_secs(180),
            poll: Duration::from_millis(500),
            probe_timeout: super::probe::DEFAULT_TIMEOUT,
        }
    }
}

/// Everything a restart will do, shown before asking for confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestartPlan {
    pub component: Component,
    pub manifest: PathBuf,
    pub backup_dir: PathBuf,
    pub moved_to: PathBuf,
    /// Where the journal record goes (the kubeadm `tmp` directory).
    pub tmp_dir: PathBuf,
    pub endpoints: Vec<Endpoint>,
    #[serde(rename = "stop_timeout_ms", serialize_with = "crate::runtime::ms")]
    pub stop_timeout: Duration,
    #[serde(rename = "start_timeout_ms", serialize_with = "crate::runtime::ms")]
    pub start_timeout: Duration,
    #[serde(rename = "poll_ms", serialize_with = "crate::runtime::ms")]
    pub poll: Duration,
    #[serde(rename = "probe_timeout_ms", serialize_with = "crate::runtime::ms")]
    pub probe_timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Journal,
    MoveOut,
    WaitStopped,
    MoveBack,
    WaitServing,
}

impl StepKind {
    pub fn describe(self) -> &'static str {
        match self {
            StepKind::Journal => "journal the move",
            StepKind::MoveOut => "move the manifest out",
            StepKind::WaitStopped => "wait until it stops serving",
            StepKind::MoveBack => "move the manifest back",
            StepKind::WaitServing => "wait until it serves the certificate on disk",
        }
    }
}

/// One finished step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub ok: bool,
    #[serde(rename = "took_ms", serialize_with = "crate::runtime::ms")]
    pub took: Duration,
    pub note: String,
}

/// What a restart did, step by step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestartReport {
    pub component: Component,
    pub manifest: PathBuf,
    pub moved_to: PathBuf,
    pub steps: Vec<Step>,
    #[serde(rename = "total_ms", serialize_with = "crate::runtime::ms")]
    pub total: Duration,
    /// The last probe of the component's endpoints.
    pub last_probe: Vec<ProbeResult>,
}

/// Reported while a restart runs, for a live view.
#[derive(Debug)]
pub enum Progress<'a> {
    Begin(StepKind),
    Probed(&'a [ProbeResult]),
    End(&'a Step),
}

#[derive(Debug, thiserror::Error)]
pub enum RestartError {
    #[error("{0} is not a static pod: restart it with `systemctl restart {0}`")]
    NotAStaticPod(Component),
    #[error("no manifest for {component} in {}", dir.display())]
    NoManifest { component: Component, dir: PathBuf },
    #[error("an earlier restart of {} left {} out of place (moved to {}); run `kcert restart --recover` first", .0.component, .0.manifest.display(), .0.moved_to.display())]
    Pending(Box<Pending>),
    #[error("the backup directory {} is inside the manifests directory; choose another", .0.display())]
    BackupInManifests(PathBuf),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Locked(#[from] crate::fsx::LockError),
    #[error("{what} {}: {source}; the manifest was not moved", path.display())]
    Prepare {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("interrupted during \"{}\"; {}", .step.describe(), .restored)]
    Interrupted {
        step: StepKind,
        restored: String,
        report: Box<RestartReport>,
    },
    #[error("{} did not serve the certificate on disk within {} s after the manifest came back (the manifest is in place)", .report.component, .timeout.as_secs())]
    NotServing {
        timeout: Duration,
        report: Box<RestartReport>,
    },
    #[error("COULD NOT PUT THE MANIFEST BACK: {reason}. It is at {}; move it to {} by hand", .report.moved_to.display(), .report.manifest.display())]
    RestoreFailed {
        #[source]
        reason: PutBackError,
        report: Box<RestartReport>,
    },
}

/// Why a manifest that was moved out could not be put back.
#[derive(Debug, thiserror::Error)]
pub enum PutBackError {
    #[error("{} appeared while the manifest was out; not overwriting it", .0.display())]
    Appeared(PathBuf),
    #[error("moving it back failed: {0}")]
    Move(#[source] std::io::Error),
    #[error("the manifest came back with different bytes")]
    Changed,
    #[error("cannot read it back: {0}")]
    ReadBack(#[source] std::io::Error),
    #[error("manifest back, but {0}")]
    Journal(#[source] JournalError),
}

impl RestartError {
    /// The steps done before the error, when there were any.
    pub fn report(&self) -> Option<&RestartReport> {
        match self {
            RestartError::Interrupted { report, .. }
            | RestartError::NotServing { report, .. }
            | RestartError::RestoreFailed { report, .. } => Some(report),
            _ => None,
        }
    }
}

/// Work out a restart of `component`; refuses while an earlier one is pending.
pub fn plan_restart(
    node: &Node,
    component: Component,
    targets: &Targets,
    opts: &RestartOptions,
) -> Result<RestartPlan, RestartError> {
    if component == Component::Kubelet {
        return Err(RestartError::NotAStaticPod(component));
    }
    let tmp_dir = node.paths.tmp_dir();
    if let Some(p) = journal::read_pending(&tmp_dir)? {
        return Err(RestartError::Pending(Box::new(p)));
    }
    let pod = node
        .manifests
        .pod(component)
        .ok_or_else(|| RestartError::NoManifest {
            component,
            dir: node.manifests.dir.clone(),
        })?;
    let backup_dir = opts.backup_dir.clone().unwrap_or_else(|| {
        crate::fsx::unused_dir(&tmp_dir.join(format!(
            "kcert-backup-restart-{}-{}",
            component.name(),
            opts.now.format("%Y%m%dT%H%M%SZ")
        )))
    });
    if crate::pki::absolute(&backup_dir).starts_with(crate::pki::absolute(&node.manifests.dir)) {
        return Err(RestartError::BackupInManifests(backup_dir));
    }
    let file = pod.path.file_name().unwrap_or(pod.path.as_os_str());
    Ok(RestartPlan {
        component,
        manifest: pod.path.clone(),
        moved_to: backup_dir.join(file),
        backup_dir,
        tmp_dir,
        endpoints: targets.of(component),
        stop_timeout: opts.stop_timeout,
        start_timeout: opts.start_timeout,
        poll: opts.poll,
        probe_timeout: opts.probe_timeout,
    })
}
