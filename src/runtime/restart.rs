//! Restart a static pod the documented way: move its manifest out of the manifests directory,
//! wait until the component stops serving, move it back, wait until it serves the certificate
//! on disk.
//!
//! The manifest is never lost: the move is journalled and synced before it happens; a guard
//! puts the manifest back on any error, cancellation, panic or dropped future; a kcert killed
//! outright leaves the journal for [`super::journal::recover`].

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::endpoints::{Endpoint, Targets};
use super::journal::{self, JournalError, Pending};
use super::probe::{probe, ProbeResult, ServedState};
use super::{Component, Node};
use crate::pki::sha256_hex;

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
    #[serde(rename = "stop_timeout_ms", serialize_with = "super::ms")]
    pub stop_timeout: Duration,
    #[serde(rename = "start_timeout_ms", serialize_with = "super::ms")]
    pub start_timeout: Duration,
    #[serde(rename = "poll_ms", serialize_with = "super::ms")]
    pub poll: Duration,
    #[serde(rename = "probe_timeout_ms", serialize_with = "super::ms")]
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
    #[serde(rename = "took_ms", serialize_with = "super::ms")]
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
    #[serde(rename = "total_ms", serialize_with = "super::ms")]
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
        reason: String,
        report: Box<RestartReport>,
    },
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

/// `dir`, or `dir-2`, ... so that two restarts in one second never share a backup.
fn unused(dir: &Path) -> PathBuf {
    let mut candidate = dir.to_path_buf();
    let mut n = 1;
    while candidate.exists() {
        n += 1;
        candidate = PathBuf::from(format!("{}-{n}", dir.display()));
    }
    candidate
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
        unused(&tmp_dir.join(format!(
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

/// The manifest while it is out: put back on demand or, failing that, when dropped.
struct Out<'a> {
    plan: &'a RestartPlan,
    sha256: String,
    armed: bool,
}

impl Out<'_> {
    fn put_back(&mut self) -> Result<(), String> {
        if !self.armed {
            return Ok(());
        }
        let p = self.plan;
        if p.manifest.exists() {
            return Err(format!(
                "{} appeared while the manifest was out; not overwriting it",
                p.manifest.display()
            ));
        }
        journal::move_file(&p.moved_to, &p.manifest)
            .map_err(|e| format!("moving it back failed: {e}"))?;
        self.armed = false;
        match std::fs::read(&p.manifest).map(|b| sha256_hex(&b)) {
            Ok(h) if h == self.sha256 => {}
            Ok(_) => return Err("the manifest came back with different bytes".into()),
            Err(e) => return Err(format!("cannot read it back: {e}")),
        }
        journal::clear_pending(&p.tmp_dir).map_err(|e| format!("manifest back, but {e}"))
    }
}

impl Drop for Out<'_> {
    fn drop(&mut self) {
        let _ = self.put_back();
    }
}

enum Waited {
    Met(Vec<ProbeResult>),
    TimedOut(Vec<ProbeResult>),
    Cancelled,
}

async fn wait<F: Future<Output = ()>>(
    plan: &RestartPlan,
    cond: impl Fn(&[ProbeResult]) -> bool,
    timeout: Duration,
    cancel: &mut Pin<&mut F>,
    progress: &mut impl FnMut(Progress<'_>),
) -> Waited {
    let start = Instant::now();
    loop {
        let results = tokio::select! {
            r = probe(&plan.endpoints, plan.probe_timeout) => r,
            _ = cancel.as_mut() => return Waited::Cancelled,
        };
        progress(Progress::Probed(&results));
        if cond(&results) {
            return Waited::Met(results);
        }
        if start.elapsed() >= timeout {
            return Waited::TimedOut(results);
        }
        tokio::select! {
            _ = tokio::time::sleep(plan.poll) => {}
            _ = cancel.as_mut() => return Waited::Cancelled,
        }
    }
}

fn serves_disk(results: &[ProbeResult]) -> bool {
    results
        .iter()
        .all(|r| matches!(r.state, ServedState::Current | ServedState::NoFile))
}

struct Recorder<'p, P: FnMut(Progress<'_>)> {
    report: RestartReport,
    started: Instant,
    step_start: Instant,
    progress: &'p mut P,
}

impl<P: FnMut(Progress<'_>)> Recorder<'_, P> {
    fn begin(&mut self, kind: StepKind) {
        self.step_start = Instant::now();
        (self.progress)(Progress::Begin(kind));
    }
    fn end(&mut self, kind: StepKind, ok: bool, note: String) {
        let step = Step {
            kind,
            ok,
            took: self.step_start.elapsed(),
            note,
        };
        (self.progress)(Progress::End(&step));
        self.report.steps.push(step);
        self.report.total = self.started.elapsed();
    }
    fn finish(mut self) -> Box<RestartReport> {
        self.report.total = self.started.elapsed();
        Box::new(self.report)
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Carry out `plan`. `cancel` completing (Ctrl-C, a UI's abort) puts the manifest back and
/// returns [`RestartError::Interrupted`].
pub async fn restart<F, P>(
    plan: &RestartPlan,
    cancel: F,
    mut progress: P,
) -> Result<RestartReport, RestartError>
where
    F: Future<Output = ()>,
    P: FnMut(Progress<'_>),
{
    tokio::pin!(cancel);
    let now = Instant::now();
    let mut rec = Recorder {
        report: RestartReport {
            component: plan.component,
            manifest: plan.manifest.clone(),
            moved_to: plan.moved_to.clone(),
            steps: Vec::new(),
            total: Duration::ZERO,
            last_probe: Vec::new(),
        },
        started: now,
        step_start: now,
        progress: &mut progress,
    };
    let prepare = |what, path: &Path| {
        let path = path.to_path_buf();
        move |source| RestartError::Prepare { what, path, source }
    };

    rec.begin(StepKind::Journal);
    let bytes = std::fs::read(&plan.manifest).map_err(prepare("cannot read", &plan.manifest))?;
    let sha256 = sha256_hex(&bytes);
    std::fs::create_dir_all(&plan.backup_dir)
        .and_then(|_| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&plan.backup_dir, std::fs::Permissions::from_mode(0o700))
        })
        .map_err(prepare("cannot create", &plan.backup_dir))?;
    if plan.moved_to.exists() {
        return Err(RestartError::Prepare {
            what: "refusing to overwrite",
            path: plan.moved_to.clone(),
            source: std::io::ErrorKind::AlreadyExists.into(),
        });
    }
    let pending = Pending {
        component: plan.component.name().into(),
        manifest: plan.manifest.clone(),
        moved_to: plan.moved_to.clone(),
        sha256: sha256.clone(),
        pid: std::process::id(),
        started: Utc::now(),
    };
    journal::write_pending(&plan.tmp_dir, &pending)?;
    rec.end(
        StepKind::Journal,
        true,
        journal::pending_path(&plan.tmp_dir).display().to_string(),
    );

    rec.begin(StepKind::MoveOut);
    if let Err(e) = journal::move_file(&plan.manifest, &plan.moved_to) {
        let _ = journal::clear_pending(&plan.tmp_dir);
        return Err(prepare("cannot move", &plan.manifest)(e));
    }
    let mut out = Out {
        plan,
        sha256,
        armed: true,
    };
    rec.end(
        StepKind::MoveOut,
        true,
        format!("to {}", plan.moved_to.display()),
    );

    rec.begin(StepKind::WaitStopped);
    let stopped = |r: &[ProbeResult]| r.iter().all(|r| !r.state.is_serving());
    let waited = if plan.endpoints.is_empty() {
        // Nothing to watch: give the kubelet its file-check period to notice.
        let pause = plan.stop_timeout.min(Duration::from_secs(20));
        tokio::select! {
            _ = tokio::time::sleep(pause) => Waited::Met(Vec::new()),
            _ = cancel.as_mut() => Waited::Cancelled,
        }
    } else {
        wait(
            plan,
            stopped,
            plan.stop_timeout,
            &mut cancel,
            &mut *rec.progress,
        )
        .await
    };
    match waited {
        Waited::Met(r) => {
            rec.report.last_probe = r;
            let took = secs(rec.step_start.elapsed());
            rec.end(StepKind::WaitStopped, true, format!("stopped after {took}"));
        }
        Waited::TimedOut(r) => {
            rec.report.last_probe = r;
            rec.end(
                StepKind::WaitStopped,
                false,
                format!(
                    "still serving after {}; moving the manifest back anyway",
                    secs(plan.stop_timeout)
                ),
            );
        }
        Waited::Cancelled => {
            let restored = match out.put_back() {
                Ok(()) => "the manifest was put back".to_string(),
                Err(e) => format!("COULD NOT PUT THE MANIFEST BACK: {e}"),
            };
            let step = StepKind::WaitStopped;
            rec.end(step, false, "interrupted".into());
            return Err(RestartError::Interrupted {
                step,
                restored,
                report: rec.finish(),
            });
        }
    }

    rec.begin(StepKind::MoveBack);
    if let Err(reason) = out.put_back() {
        rec.end(StepKind::MoveBack, false, reason.clone());
        return Err(RestartError::RestoreFailed {
            reason,
            report: rec.finish(),
        });
    }
    rec.end(
        StepKind::MoveBack,
        true,
        format!("{} is back, unchanged", plan.manifest.display()),
    );

    rec.begin(StepKind::WaitServing);
    let waited = wait(
        plan,
        serves_disk,
        plan.start_timeout,
        &mut cancel,
        &mut *rec.progress,
    )
    .await;
    let result = match waited {
        Waited::Met(r) => {
            rec.report.last_probe = r;
            let took = secs(rec.step_start.elapsed());
            let note = if plan.endpoints.is_empty() {
                "no endpoint to watch".to_string()
            } else {
                format!("serving the certificate on disk after {took}")
            };
            rec.end(StepKind::WaitServing, true, note);
            Ok(rec.finish())
        }
        Waited::TimedOut(r) => {
            let states: Vec<String> = r
                .iter()
                .map(|p| format!("{}: {}", p.endpoint.addr, p.state.describe()))
                .collect();
            rec.report.last_probe = r;
            rec.end(StepKind::WaitServing, false, states.join("; "));
            Err(RestartError::NotServing {
                timeout: plan.start_timeout,
                report: rec.finish(),
            })
        }
        Waited::Cancelled => {
            let step = StepKind::WaitServing;
            rec.end(step, false, "interrupted".into());
            Err(RestartError::Interrupted {
                step,
                restored: "the manifest was already back in place".into(),
                report: rec.finish(),
            })
        }
    };
    let report = match &result {
        Ok(r) => Some(r.as_ref()),
        Err(e) => e.report(),
    };
    if let Some(r) = report {
        let _ = journal::append_history(&plan.tmp_dir, &history_line(r, result.is_ok()));
    }
    result.map(|r| *r)
}

fn history_line(r: &RestartReport, ok: bool) -> serde_json::Value {
    serde_json::json!({
        "time": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "action": "restart",
        "component": r.component.name(),
        "manifest": r.manifest,
        "backup": r.moved_to,
        "ok": ok,
        "steps": r.steps.iter().map(|s| serde_json::json!({
            "step": s.kind,
            "ok": s.ok,
            "ms": s.took.as_millis() as u64,
            "note": s.note,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A UI spawns the restart on its runtime: the future must be `Send` and own its plan.
    #[test]
    fn a_restart_can_be_spawned() {
        fn spawnable<T: Future + Send + 'static>(_: T) {}
        let plan = RestartPlan {
            component: Component::Scheduler,
            manifest: "/nonexistent/m/kube-scheduler.yaml".into(),
            backup_dir: "/nonexistent/tmp/b".into(),
            moved_to: "/nonexistent/tmp/b/kube-scheduler.yaml".into(),
            tmp_dir: "/nonexistent/tmp".into(),
            endpoints: Vec::new(),
            stop_timeout: Duration::ZERO,
            start_timeout: Duration::ZERO,
            poll: Duration::ZERO,
            probe_timeout: Duration::ZERO,
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        spawnable(async move {
            let cancel = async {
                let _ = rx.await;
            };
            restart(&plan, cancel, |_: Progress<'_>| {}).await
        });
        drop(tx);
    }
}
