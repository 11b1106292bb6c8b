//! Carrying out a restart plan: the guard that always puts the manifest back, the waits,
//! the live progress and the history line.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::{Progress, PutBackError, RestartError, RestartPlan, RestartReport, Step, StepKind};
use crate::pki::sha256_hex;
use crate::runtime::journal::{self, Pending};
use crate::runtime::probe::{probe, ProbeResult, ServedState};

/// The manifest while it is out: put back on demand or, failing that, when dropped.
struct Out<'a> {
    plan: &'a RestartPlan,
    sha256: String,
    armed: bool,
}

impl Out<'_> {
    fn put_back(&mut self) -> Result<(), PutBackError> {
        if !self.armed {
            return Ok(());
        }
        let p = self.plan;
        if p.manifest.exists() {
            return Err(PutBackError::Appeared(p.manifest.clone()));
        }
        crate::fsx::move_file(&p.moved_to, &p.manifest).map_err(PutBackError::Move)?;
        self.armed = false;
        match std::fs::read(&p.manifest).map(|b| sha256_hex(&b)) {
            Ok(h) if h == self.sha256 => {}
            Ok(_) => return Err(PutBackError::Changed),
            Err(e) => return Err(PutBackError::ReadBack(e)),
        }
        journal::clear_pending(&p.tmp_dir).map_err(PutBackError::Journal)
    }
}

impl Drop for Out<'_> {
    fn drop(&mut self) {
        let _ = self.put_back();
    }
}

enum Waited {
    /// The condition held; `at_once` when it did at the first probe.
    Met {
        results: Vec<ProbeResult>,
        at_once: bool,
    },
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
    let mut at_once = true;
    loop {
        let results = tokio::select! {
            r = probe(&plan.endpoints, plan.probe_timeout) => r,
            _ = cancel.as_mut() => return Waited::Cancelled,
        };
        progress(Progress::Probed(&results));
        if cond(&results) {
            return Waited::Met { results, at_once };
        }
        at_once = false;
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
    // One writer at a time, for the whole restart: a renewal waits, then refuses.
    let tmp_dir = plan.tmp_dir.clone();
    let _lock = tokio::task::spawn_blocking(move || {
        crate::fsx::lock::acquire(&tmp_dir, crate::fsx::lock::DEFAULT_WAIT)
    })
    .await
    .map_err(|e| RestartError::Prepare {
        what: "cannot lock",
        path: plan.tmp_dir.clone(),
        source: std::io::Error::other(e.to_string()),
    })??;
    let bytes = std::fs::read(&plan.manifest).map_err(prepare("cannot read", &plan.manifest))?;
    let sha256 = sha256_hex(&bytes);
    crate::fsx::dirs::fresh_private_dir(&plan.backup_dir)
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
    if let Err(e) = crate::fsx::move_file(&plan.manifest, &plan.moved_to) {
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
            _ = tokio::time::sleep(pause) => Waited::Met { results: Vec::new(), at_once: false },
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
        Waited::Met { results, at_once } => {
            // Nothing answered at the first probe: it had stopped before (or never ran).
            let note = if at_once && !plan.endpoints.is_empty() {
                "was not serving".to_string()
            } else if plan.endpoints.is_empty() {
                format!(
                    "no endpoint to watch: waited {}",
                    secs(rec.step_start.elapsed())
                )
            } else {
                format!("stopped after {}", secs(rec.step_start.elapsed()))
            };
            rec.report.last_probe = results;
            rec.end(StepKind::WaitStopped, true, note);
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
        rec.end(StepKind::MoveBack, false, reason.to_string());
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
        Waited::Met { results: r, .. } => {
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
        let _ = journal::append_history(&plan.tmp_dir, history_line(r, result.is_ok()));
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
    use crate::runtime::Component;

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

    /// While another kcert holds the lock (a renewal), a restart waits, then refuses before
    /// touching the manifest.
    #[test]
    fn a_restart_waits_for_the_lock_then_refuses() {
        let t = tempfile::tempdir().unwrap();
        let manifests = t.path().join("manifests");
        std::fs::create_dir(&manifests).unwrap();
        let manifest = manifests.join("kube-scheduler.yaml");
        std::fs::write(&manifest, "kind: Pod\n").unwrap();
        let tmp_dir = t.path().join("tmp");
        let held = crate::fsx::lock::acquire(&tmp_dir, Duration::ZERO).unwrap();
        let plan = RestartPlan {
            component: Component::Scheduler,
            manifest: manifest.clone(),
            backup_dir: tmp_dir.join("b"),
            moved_to: tmp_dir.join("b/kube-scheduler.yaml"),
            tmp_dir: tmp_dir.clone(),
            endpoints: Vec::new(),
            stop_timeout: Duration::ZERO,
            start_timeout: Duration::ZERO,
            poll: Duration::ZERO,
            probe_timeout: Duration::ZERO,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = rt
            .block_on(restart(&plan, std::future::pending::<()>(), |_| {}))
            .unwrap_err();
        drop(held);
        assert!(matches!(err, RestartError::Locked(_)), "{err}");
        assert!(err.to_string().contains("another kcert"), "{err}");
        assert!(manifest.exists() && !plan.moved_to.exists());
        assert!(journal::read_pending(&tmp_dir).unwrap().is_none());
    }
}
