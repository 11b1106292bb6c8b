//! The plan and its outcome in words; shared by `kcert renew` and the TUI's confirmation.

use super::plan::{Contents, Plan};
use crate::pki::format::datetime;

/// "restart kube-apiserver and etcd" style list.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The plan as lines of text, exactly what will be written and why.
pub fn describe(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    if !plan.items.is_empty() {
        out.push(format!(
            "Renew {} certificate(s); backups go to {}",
            plan.items.len(),
            plan.backup_dir.display()
        ));
    }
    for item in &plan.items {
        let under = match &item.was_under {
            _ if item.ca_check.is_some() => "a CA, self-signed".to_string(),
            Some(was) => format!("was under {was}, will be under {}", item.ca_label),
            None => format!("signed by {}", item.ca_label),
        };
        out.push(format!(
            "  {}: {under}, {}, valid until {} (was {})",
            item.label,
            item.key,
            datetime(item.new_not_after),
            datetime(item.old_not_after)
        ));
        for note in &item.notes {
            out.push(format!("      note: {note}"));
        }
        for w in &item.writes {
            out.push(match &w.contents {
                Contents::File(_) if w.what.is_empty() => {
                    format!("      write {}", w.path.display())
                }
                Contents::File(_) => format!("      write {}: {}", w.path.display(), w.what),
                Contents::Symlink(t) => {
                    format!("      point {} at {}", w.path.display(), t.display())
                }
            });
        }
    }
    if !plan.refused.is_empty() {
        out.push("Not renewed:".into());
        for r in &plan.refused {
            out.push(format!(
                "  {} ({}): {}",
                r.label,
                r.path.display(),
                r.reason
            ));
        }
    }
    if !plan.skipped.is_empty() {
        out.push("Skipped (no key of their CA on this node):".into());
        for r in &plan.skipped {
            out.push(format!("  {} ({})", r.label, r.path.display()));
        }
    }
    if !plan.delegated.is_empty() {
        out.extend(delegated(plan));
    }
    if !plan.restart.is_empty() {
        out.push(format!(
            "Afterwards restart {} to use the new files.",
            and_list(&plan.restart)
        ));
    }
    out
}

/// The certificates left to their distribution, why, and its commands once, merged: one
/// `rotate --service a,b` for several services, and no restart beside a stop and start.
fn delegated(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    let mut distributions: Vec<String> = plan
        .delegated
        .iter()
        .map(|d| d.handover.distribution.to_string())
        .collect();
    distributions.dedup();
    out.push(format!(
        "Left to {} (kcert does not write these; --force renews in place what may be):",
        and_list(&distributions)
    ));
    for d in &plan.delegated {
        let never = if d.handover.never_written {
            " (not even with --force)"
        } else {
            ""
        };
        out.push(format!(
            "  {} ({}): {}{never}",
            d.label,
            d.path.display(),
            d.handover.why
        ));
    }
    let steps = merged_steps(plan.delegated.iter().flat_map(|d| &d.handover.steps));
    if !steps.is_empty() {
        out.push("Run:".into());
        out.extend(steps.into_iter().map(|s| format!("  {s}")));
    }
    out
}

fn merged_steps<'a>(all: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    let mut services: Vec<(String, Vec<String>)> = Vec::new();
    for step in all {
        if let Some((head, list)) = step.split_once(" certificate rotate --service ") {
            let i = match services.iter().position(|(h, _)| h == head) {
                Some(i) => i,
                None => {
                    services.push((head.to_string(), Vec::new()));
                    steps.push(format!("{head} certificate rotate --service "));
                    services.len() - 1
                }
            };
            let entry = &mut services[i].1;
            for s in list.split(',') {
                if !entry.iter().any(|e| e == s) {
                    entry.push(s.to_string());
                }
            }
        } else if !steps.contains(step) {
            steps.push(step.clone());
        }
    }
    for (head, list) in services {
        let stub = format!("{head} certificate rotate --service ");
        if let Some(s) = steps.iter_mut().find(|s| **s == stub) {
            s.push_str(&list.join(","));
        }
    }
    // Starting the service after a rotate renews what a restart would.
    let starts: Vec<String> = steps
        .iter()
        .filter_map(|s| s.strip_prefix("systemctl start ").map(str::to_string))
        .collect();
    steps.retain(|s| {
        s.strip_prefix("systemctl restart ")
            .is_none_or(|unit| !starts.iter().any(|u| u == unit))
    });
    // Stop, rotate, start; then what needs the service running (`rotate-ca` talks to it).
    steps.sort_by_key(|s| {
        if s.starts_with("systemctl stop ") {
            0
        } else if s.contains(" certificate rotate --service ") || s.ends_with(" certificate rotate")
        {
            1
        } else if s.starts_with("systemctl start ") {
            2
        } else {
            3
        }
    });
    steps
}

/// What to say when nothing was renewed: why, and what to do instead.
pub fn nothing_changed(plan: &Plan) -> String {
    if plan.delegated.is_empty() {
        return "Nothing to renew.".into();
    }
    let mut who: Vec<String> = plan
        .delegated
        .iter()
        .map(|d| d.handover.distribution.to_string())
        .collect();
    who.dedup();
    format!(
        "Nothing was changed: {} renews these its own way (see above); --force renews in place what may be.",
        and_list(&who)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotate_steps_merge_and_a_restart_beside_a_start_goes() {
        let steps: Vec<String> = [
            "systemctl restart k3s",
            "systemctl stop k3s",
            "k3s certificate rotate --service admin",
            "systemctl start k3s",
            "systemctl stop k3s",
            "k3s certificate rotate --service etcd",
            "systemctl start k3s",
            "k3s certificate rotate --service admin",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            merged_steps(steps.iter()),
            [
                "systemctl stop k3s",
                "k3s certificate rotate --service admin,etcd",
                "systemctl start k3s"
            ]
        );
        let only_restart = ["systemctl restart k3s".to_string()];
        assert_eq!(merged_steps(only_restart.iter()), ["systemctl restart k3s"]);
    }
}
