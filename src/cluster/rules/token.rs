//! The bootstrap token a CSR was made with. A joining kubelet fetches its certificate with the
//! same token: once the token has expired (or is gone), approving the request changes nothing
//! for the node, which needs a new token and a new join.

use super::{Check, Outcome};
use crate::cluster::tokens::{TokenIndex, TokenLookup, BOOTSTRAP_USER_PREFIX};
use crate::pki::format;

/// What the operator does instead of approving.
const NEW_TOKEN: &str =
    "make a new token (kubeadm token create --print-join-command) and join the node again";

/// The `token` check of a CSR requested as `system:bootstrap:<id>`; `None` for any other.
pub fn bootstrap_token(requestor: &str, tokens: &TokenIndex) -> Option<Check> {
    let id = requestor
        .strip_prefix(BOOTSTRAP_USER_PREFIX)
        .filter(|id| !id.is_empty())?;
    let now = tokens.now();
    let fail = |why: String| {
        (
            Outcome::Fail,
            format!("{why}, so approving does not help: {NEW_TOKEN}"),
        )
    };
    let (outcome, reason) = match tokens.lookup(id) {
        TokenLookup::Unknown => (
            Outcome::NotChecked,
            format!("bootstrap tokens could not be read: token {id} is not checked"),
        ),
        TokenLookup::Missing => fail(format!(
            "token {id} no longer exists (expired tokens are deleted): the kubelet cannot fetch the certificate with it"
        )),
        TokenLookup::Found(t) if t.expiration.is_some_and(|e| e <= now) => fail(format!(
            "token {id} {}: the kubelet can no longer fetch the certificate with it",
            t.expires_in(now)
        )),
        TokenLookup::Found(t) if !t.authenticates(now) => fail(format!(
            "token {id} is not accepted for authentication ({})",
            if t.defects.is_empty() {
                "no usage-bootstrap-authentication".to_string()
            } else {
                t.defects.join("; ")
            }
        )),
        TokenLookup::Found(t) => (
            Outcome::Pass,
            match t.expiration {
                Some(end) => format!(
                    "token {id} is valid for another {}",
                    format::compact((end - now).num_seconds())
                ),
                None => format!("token {id} is valid and never expires"),
            },
        ),
    };
    Some(Check {
        rule: "token",
        outcome,
        danger: false,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::*;
    use crate::cluster::tokens::BootstrapToken;

    fn token(id: &str, expiration: Option<chrono::DateTime<Utc>>) -> BootstrapToken {
        BootstrapToken {
            id: id.into(),
            secret_name: format!("bootstrap-token-{id}"),
            description: None,
            expiration,
            usages: vec!["authentication".into(), "signing".into()],
            extra_groups: Vec::new(),
            defects: Vec::new(),
        }
    }

    #[test]
    fn only_bootstrap_requests_are_judged_by_their_token() {
        let now = Utc::now();
        let tokens = TokenIndex::new(
            vec![
                token("abcdef", Some(now + Duration::hours(17))),
                token("gone00", Some(now - Duration::minutes(5))),
            ],
            now,
        );
        assert!(bootstrap_token("system:node:worker-1", &tokens).is_none());
        let ok = bootstrap_token("system:bootstrap:abcdef", &tokens).unwrap();
        assert_eq!(ok.outcome, Outcome::Pass);
        assert_eq!(ok.reason, "token abcdef is valid for another 17h");
        let expired = bootstrap_token("system:bootstrap:gone00", &tokens).unwrap();
        assert_eq!(expired.outcome, Outcome::Fail);
        assert!(expired.reason.starts_with("token gone00 expired 5m ago"));
        let deleted = bootstrap_token("system:bootstrap:xyz123", &tokens).unwrap();
        assert_eq!(deleted.outcome, Outcome::Fail);
        assert!(
            deleted.reason.contains("no longer exists")
                && deleted.reason.ends_with(
                    "kubeadm token create --print-join-command) and join the node again"
                ),
            "{}",
            deleted.reason
        );
        let unread = bootstrap_token("system:bootstrap:abcdef", &TokenIndex::unread()).unwrap();
        assert_eq!(unread.outcome, Outcome::NotChecked, "never fails a verdict");
    }
}
