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
                Contents::File(_) => format!("      write {}", w.path.display()),
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
    if !plan.restart.is_empty() {
        out.push(format!(
            "Afterwards restart {} to use the new files.",
            and_list(&plan.restart)
        ));
    }
    out
}
