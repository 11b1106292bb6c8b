//! Just enough RBAC to answer "may this requester create that?" the way kube-apiserver's RBAC
//! authorizer does: a ClusterRoleBinding applies when one of its subjects is the user or one
//! of the groups, and grants what its ClusterRole's rules allow (`*` wildcards included). A
//! binding whose ClusterRole does not exist grants nothing.

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, Subject};

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    pub user: Option<String>,
    pub groups: Vec<String>,
}

/// What is asked: a verb on `resource` (with `/subresource`) in an API group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
}

fn has(list: &[String], want: &str) -> bool {
    list.iter().any(|v| v == "*" || v == want)
}

/// `rbac.ResourceMatches`: `*`, the exact `resource/sub`, or `*/sub`.
fn resource_matches(rule: &PolicyRule, want: &str) -> bool {
    let sub = want.split_once('/').map(|(_, s)| s);
    rule.resources
        .iter()
        .flatten()
        .any(|r| r == "*" || r == want || sub.is_some_and(|s| r.strip_prefix("*/") == Some(s)))
}

/// Whether one rule allows `req` (an unnamed request: rules limited to names never do).
pub fn rule_allows(rule: &PolicyRule, req: &Request<'_>) -> bool {
    has(&rule.verbs, req.verb)
        && has(rule.api_groups.as_deref().unwrap_or_default(), req.group)
        && resource_matches(rule, req.resource)
        && rule.resource_names.as_ref().is_none_or(Vec::is_empty)
}

pub fn role_allows(role: &ClusterRole, req: &Request<'_>) -> bool {
    role.rules.iter().flatten().any(|r| rule_allows(r, req))
}

fn subject_is(s: &Subject, who: &Requester) -> bool {
    match s.kind.as_str() {
        "Group" => who.groups.contains(&s.name),
        "User" => who.user.as_deref() == Some(s.name.as_str()),
        _ => false,
    }
}

/// Whether the binding's subjects include the requester.
pub fn binds(binding: &ClusterRoleBinding, who: &Requester) -> bool {
    binding
        .subjects
        .iter()
        .flatten()
        .any(|s| subject_is(s, who))
}

/// The binding's ClusterRole, when it refers to one that exists.
pub fn role_of<'a>(
    binding: &ClusterRoleBinding,
    roles: &'a [ClusterRole],
) -> Option<&'a ClusterRole> {
    if binding.role_ref.kind != "ClusterRole" {
        return None;
    }
    roles
        .iter()
        .find(|r| r.metadata.name.as_deref() == Some(binding.role_ref.name.as_str()))
}

/// The first binding (by name) that grants `req` to `who`.
pub fn granting<'a>(
    bindings: &'a [ClusterRoleBinding],
    roles: &[ClusterRole],
    who: &Requester,
    req: &Request<'_>,
) -> Option<&'a ClusterRoleBinding> {
    bindings
        .iter()
        .find(|b| binds(b, who) && role_of(b, roles).is_some_and(|r| role_allows(r, req)))
}

/// `Group a, User b` for messages.
pub fn subjects_text(binding: &ClusterRoleBinding) -> String {
    let s: Vec<String> = binding
        .subjects
        .iter()
        .flatten()
        .map(|s| format!("{} {}", s.kind, s.name))
        .collect();
    if s.is_empty() {
        "no subjects".into()
    } else {
        s.join(", ")
    }
}
