//! How a CSR's verdict, checks and conditions read, for the list, the details pane and the
//! dialogs alike. Each line carries a glyph and a word as well as a tone, so nothing depends
//! on colour.

use super::status::Tone;
use crate::cluster::view::Condition;
use crate::cluster::{Check, CsrView, Outcome, Verdict};
use crate::pki::format::datetime;

/// Danger (red, `‼`), another failure (yellow, `✗`) or valid (green, `✓`): the same split as
/// `kcert csr list` colours its VERDICT column.
pub fn verdict_tone(v: &Verdict) -> Tone {
    if v.is_dangerous() {
        Tone::Expired
    } else if !v.passed() {
        Tone::Warning
    } else {
        Tone::Ok
    }
}

pub fn verdict_glyph(v: &Verdict) -> char {
    if v.is_dangerous() {
        '‼'
    } else if !v.passed() {
        '✗'
    } else {
        '✓'
    }
}

/// The VERDICT cell: `✓ valid`, `✗ FAIL: sans`, `‼ FAIL: groups, impersonation`.
pub fn verdict_cell(v: &Verdict) -> String {
    format!("{} {}", verdict_glyph(v), v.label())
}

/// One sentence for the details pane and the approve dialog.
pub fn verdict_summary(v: &Verdict) -> String {
    let failed = v.failures().count();
    let total = v.checks.len();
    if failed == 0 {
        format!("✓ valid: all {total} checks pass")
    } else if v.is_dangerous() {
        format!(
            "‼ DANGER, {}: approving hands out cluster-admin rights or another identity",
            v.label()
        )
    } else {
        format!("✗ {} ({failed} of {total} checks failed)", v.label())
    }
}

/// `✓ signer: …`, `✗ usages FAILED: …`, `‼ groups DANGER: …`, `– node-addresses not checked: …`.
pub fn check_line(c: &Check) -> (Tone, String) {
    match (c.outcome, c.danger) {
        (Outcome::Pass, _) => (Tone::Ok, format!("✓ {}: {}", c.rule, c.reason)),
        (Outcome::Fail, true) => (Tone::Expired, format!("‼ {} DANGER: {}", c.rule, c.reason)),
        (Outcome::Fail, false) => (Tone::Warning, format!("✗ {} FAILED: {}", c.rule, c.reason)),
        (Outcome::NotChecked, _) => (
            Tone::Unknown,
            format!("– {} not checked: {}", c.rule, c.reason),
        ),
    }
}

/// Failed checks first (dangerous ones on top), then the rest in the order the rules ran:
/// why a request is wrong is what someone reading it needs first.
pub fn checks_in_order(v: &Verdict) -> Vec<&Check> {
    let mut checks: Vec<&Check> = v.checks.iter().collect();
    checks.sort_by_key(|c| match (c.outcome, c.danger) {
        (Outcome::Fail, true) => 0,
        (Outcome::Fail, false) => 1,
        _ => 2,
    });
    checks
}

/// `kubelet-serving` for `kubernetes.io/kubelet-serving`: the built-in signers without their
/// common prefix, for narrow lists.
pub fn short_signer(signer: &str) -> &str {
    signer.strip_prefix("kubernetes.io/").unwrap_or(signer)
}

/// The REQUESTOR cell: `…node:worker-1` for `system:node:worker-1` (likewise bootstrap
/// tokens and service accounts), so a narrow column shows which node asked rather than
/// `system:node:…`; the `…` says something was left out, the details pane has it whole.
pub fn requestor_cell(requestor: &str) -> std::borrow::Cow<'_, str> {
    const KINDS: [&str; 3] = ["node:", "bootstrap:", "serviceaccount:"];
    match requestor.strip_prefix("system:") {
        Some(rest) if KINDS.iter().any(|k| rest.starts_with(k)) => format!("…{rest}").into(),
        _ => requestor.into(),
    }
}

/// `✓ Approved (KubectlApprove) 2026-11-22 11:59 UTC: message`.
pub fn condition_line(c: &Condition) -> (Tone, String) {
    let (tone, glyph) = match c.kind.as_str() {
        "Approved" => (Tone::Ok, '✓'),
        "Denied" => (Tone::Expired, '✗'),
        "Failed" => (Tone::Warning, '!'),
        _ => (Tone::Unknown, '·'),
    };
    let status = if c.status == "True" || c.status.is_empty() {
        String::new()
    } else {
        format!(" status {}", c.status)
    };
    let reason = if c.reason.is_empty() {
        String::new()
    } else {
        format!(" ({})", c.reason)
    };
    let mut s = format!("{glyph} {}{status}{reason}", c.kind);
    if let Some(t) = c.last_update {
        s.push(' ');
        s.push_str(&datetime(t).to_string());
    }
    if !c.message.is_empty() {
        s.push_str(": ");
        s.push_str(&c.message);
    }
    (tone, s)
}

/// Why `a` does nothing on this CSR, if it does nothing.
pub fn cannot_approve(v: &CsrView) -> Option<String> {
    if v.is_denied() {
        Some(format!(
            "{} is Denied. A denied request cannot be approved: Kubernetes never removes the \
             Denied condition. The requestor has to send a new CSR.",
            v.name
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(outcome: Outcome, danger: bool) -> Check {
        Check {
            rule: "groups",
            outcome,
            danger,
            reason: "why".into(),
        }
    }

    #[test]
    fn every_outcome_has_its_own_glyph_and_word() {
        let lines: Vec<String> = [
            check(Outcome::Pass, false),
            check(Outcome::Fail, false),
            check(Outcome::Fail, true),
            check(Outcome::NotChecked, false),
        ]
        .iter()
        .map(|c| check_line(c).1)
        .collect();
        assert_eq!(
            lines,
            [
                "✓ groups: why",
                "✗ groups FAILED: why",
                "‼ groups DANGER: why",
                "– groups not checked: why"
            ]
        );
    }

    #[test]
    fn verdicts_read_without_colour() {
        let ok = Verdict {
            checks: vec![check(Outcome::Pass, false)],
        };
        let bad = Verdict {
            checks: vec![check(Outcome::Pass, false), check(Outcome::Fail, false)],
        };
        let danger = Verdict {
            checks: vec![check(Outcome::Fail, true)],
        };
        assert_eq!(verdict_cell(&ok), "✓ valid");
        assert_eq!(verdict_cell(&bad), "✗ FAIL: groups");
        assert_eq!(verdict_cell(&danger), "‼ FAIL: groups");
        assert_eq!(
            verdict_summary(&bad),
            "✗ FAIL: groups (1 of 2 checks failed)"
        );
        assert!(verdict_summary(&danger).starts_with("‼ DANGER"));
        assert_eq!(verdict_tone(&danger), Tone::Expired);
    }

    #[test]
    fn requestors_show_the_node_not_the_system_prefix() {
        assert_eq!(requestor_cell("system:node:worker-1"), "…node:worker-1");
        assert_eq!(
            requestor_cell("system:bootstrap:abcdef"),
            "…bootstrap:abcdef"
        );
        assert_eq!(requestor_cell("bob"), "bob");
        assert_eq!(
            requestor_cell("system:kube-controller-manager"),
            "system:kube-controller-manager"
        );
    }

    #[test]
    fn signers_lose_only_the_builtin_prefix() {
        assert_eq!(
            short_signer("kubernetes.io/kubelet-serving"),
            "kubelet-serving"
        );
        assert_eq!(short_signer("example.com/mine"), "example.com/mine");
    }
}
