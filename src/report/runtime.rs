//! The runtime results in an operator's words, for the CLI (and any plain-text view).

use std::time::Duration;

use crate::pki::format::{datetime, datetime_secs, Columns};
use crate::pki::Inventory;
use crate::runtime::endpoints::Skipped;
use crate::runtime::explain::{Clues, Explanation, Reading};
use crate::runtime::journal::{self, Pending, Recovery};
use crate::runtime::restart::{RestartPlan, Step};
use crate::runtime::{Component, ProbeResult, ServedState};

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

/// One row per endpoint: what it serves against the file on disk.
pub fn probe_table(results: &[ProbeResult], skipped: &[Skipped]) -> String {
    let mut out = String::new();
    if results.is_empty() {
        out.push_str(
            "No component to probe: no static pod manifest or kubelet config was found.\n",
        );
    } else {
        // At least ten cells wide, like `kcert check`'s table.
        let mut columns = Columns::new(7);
        columns.row([
            "COMPONENT",
            "LISTENER",
            "ADDRESS",
            "STATE",
            "SERVED CERTIFICATE",
            "FILE",
            "TIME",
        ]);
        for r in results {
            let served = r
                .served
                .as_ref()
                .map(|s| format!("serial {} until {}", s.serial, datetime(s.not_after)))
                .or_else(|| r.detail.clone())
                .unwrap_or_else(|| "-".into());
            let file = r
                .endpoint
                .cert_file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_else(|| "-".into());
            columns.row([
                r.endpoint.component.name(),
                r.endpoint.listener,
                &r.endpoint.addr.to_string(),
                r.state.describe(),
                &served,
                &file,
                &ms(r.elapsed),
            ]);
        }
        out.push_str(&columns.finish());
    }
    for s in skipped {
        out.push_str(&format!(
            "not probed: {} ({}) on {}: {}\n",
            s.component, s.listener, s.address, s.reason
        ));
    }
    out
}

/// What a restart will do, before the operator confirms.
pub fn plan_lines(plan: &RestartPlan) -> Vec<String> {
    let mut out = vec![format!("Restart {}:", plan.component)];
    out.push(format!(
        "  1. journal the move in {}",
        journal::pending_path(&plan.tmp_dir).display()
    ));
    out.push(format!(
        "  2. move {} to {}",
        plan.manifest.display(),
        plan.moved_to.display()
    ));
    let watched: Vec<String> = plan.endpoints.iter().map(|e| e.addr.to_string()).collect();
    if watched.is_empty() {
        out.push(format!(
            "  3. wait {} s for the kubelet to stop it (no endpoint to watch)",
            plan.stop_timeout.as_secs().min(20)
        ));
    } else {
        out.push(format!(
            "  3. wait up to {} s until {} stops serving",
            plan.stop_timeout.as_secs(),
            watched.join(", ")
        ));
    }
    out.push(format!("  4. move it back to {}", plan.manifest.display()));
    out.push(format!(
        "  5. wait up to {} s until it serves the certificate on disk",
        plan.start_timeout.as_secs()
    ));
    out.push(
        "The manifest is put back on any failure or interrupt; the control plane component is down meanwhile."
            .into(),
    );
    out
}

/// One finished restart step with its timing.
pub fn step_line(step: &Step) -> String {
    format!(
        "  [{}] {} ({}): {}",
        if step.ok { "ok" } else { "!!" },
        step.kind.describe(),
        ms(step.took),
        step.note
    )
}

/// A pending journal record, for the warning every kcert start prints.
pub fn pending_line(p: &Pending) -> String {
    format!(
        "an interrupted restart of {} (pid {}, {}) left {} at {}: run `kcert restart --recover` to put it back",
        p.component,
        p.pid,
        datetime_secs(p.started),
        p.manifest.display(),
        p.moved_to.display()
    )
}

pub fn recovery_line(r: &Recovery) -> String {
    match r {
        Recovery::NothingPending => "No interrupted restart to recover.".into(),
        Recovery::AlreadyInPlace { pending } => format!(
            "{} was already back in place; the journal record was removed.",
            pending.manifest.display()
        ),
        Recovery::Restored { pending } => format!(
            "Put {} back from {} (unchanged).",
            pending.manifest.display(),
            pending.moved_to.display()
        ),
        Recovery::InProgress { pending } => format!(
            "kcert (pid {}) is restarting {} right now; left alone.",
            pending.pid, pending.component
        ),
        Recovery::Conflict { reason, .. } => format!("Not recovered: {reason}."),
    }
}

/// How to restart `c`: kcert moves static pods; the kubelet is a systemd service.
fn restart_command(c: Component) -> String {
    match c {
        Component::Kubelet => "systemctl restart kubelet".into(),
        c => format!("kcert restart {c}"),
    }
}

/// What to do when the line is about a certificate that is no longer on disk but still
/// presented: the running component was not restarted after a renewal. `None` otherwise.
pub fn explain_verdict(e: &Explanation, clues: &Clues) -> Option<String> {
    let served: Vec<&ProbeResult> = e
        .served
        .iter()
        .filter_map(|&i| clues.probes.get(i))
        .filter(|r| r.state != ServedState::Current)
        .collect();
    let last = e.replaced.first();
    if served.is_empty() && last.is_none() {
        return None;
    }
    let names: Vec<String> = e.restart.iter().map(|c| c.to_string()).collect();
    let commands: Vec<String> = e.restart.iter().map(|&c| restart_command(c)).collect();
    let restart = match commands.len() {
        0 => String::new(),
        1 => format!(": restart it ({})", commands[0]),
        _ => format!(": restart them ({})", commands.join(", ")),
    };
    let verb = if served.is_empty() { "uses" } else { "serves" };
    Some(match (last, names.is_empty()) {
        (Some(r), false) => format!(
            "The running {} still {verb} the certificate you replaced on {} ({}, serial {}){restart}.",
            crate::renew::and_list(&names),
            datetime(r.replaced_at),
            r.what,
            r.serial
        ),
        (Some(r), true) => format!(
            "{} was renewed on {}; the certificate it replaced had that time (backup in {}):              whatever presents it has not picked up the new one (a copy of the old file or kubeconfig?).",
            r.what,
            datetime(r.replaced_at),
            r.backup_dir.display()
        ),
        (None, _) => {
            let at: Vec<String> = served
                .iter()
                .map(|r| format!("{} ({})", r.endpoint.component, r.endpoint.addr))
                .collect();
            format!(
                "{} {} a certificate with that time, not the one in its file{restart}.",
                crate::renew::and_list(&at),
                if at.len() == 1 { "serves" } else { "serve" }
            )
        }
    })
}

/// The certificates an x509 error line is about, with who uses each.
pub fn explain_lines(inv: &Inventory, clues: &Clues, e: &Explanation) -> Vec<String> {
    let usage = clues.usage;
    let when = |t: chrono::DateTime<chrono::Utc>| datetime_secs(t).to_string();
    let mut out = vec![match e.reading {
        Reading::Expired { now, not_after } => format!(
            "At {} a certificate that expired at {} was presented or used.",
            when(now),
            when(not_after)
        ),
        Reading::NotYetValid { now, not_before } => format!(
            "At {} a certificate not valid before {} was presented or used (is a clock wrong?).",
            when(now),
            when(not_before)
        ),
    }];
    let verdict = explain_verdict(e, clues);
    if e.matches.is_empty() && verdict.is_none() {
        out.push(format!(
            "No certificate under {} has that time; the certificate may live on another machine (the peer that presented it).",
            inv.roots
                .iter()
                .map(|r| r.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for &id in &e.matches {
        let c = &inv.certs[id];
        let mut line = format!(
            "  {}  {}  {}{}",
            inv.label(c),
            c.origin.describe(),
            c.subject,
            if c.superseded { " (rotated out)" } else { "" }
        );
        if let Some(u) = usage {
            let users: Vec<String> = u
                .of(id)
                .map(|x| format!("{} {}", x.component, x.flag))
                .collect();
            if !users.is_empty() {
                line.push_str(&format!("\n      used by {}", users.join(", ")));
            }
        }
        out.push(line);
    }
    out.extend(verdict);
    out
}
