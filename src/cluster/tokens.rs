//! Bootstrap tokens: the `bootstrap.kubernetes.io/token` Secrets in `kube-system` that nodes
//! join with. The token secret is never read into this model, so nothing built from it can
//! show, log or serialize it.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Secret;
use serde::Serialize;

use crate::pki::{format, Status};

pub const TOKEN_TYPE: &str = "bootstrap.kubernetes.io/token";
pub const TOKEN_NAMESPACE: &str = "kube-system";
/// Every bootstrap token authenticates in this group, plus its extra groups.
pub const BOOTSTRAPPERS: &str = "system:bootstrappers";
/// A node joining with token ID makes its CSR as `system:bootstrap:<ID>`.
pub const BOOTSTRAP_USER_PREFIX: &str = "system:bootstrap:";
const EXTRA_GROUP_PREFIX: &str = "system:bootstrappers:";

/// One bootstrap token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BootstrapToken {
    /// The public half (`abcdef` of `abcdef.0123456789abcdef`).
    pub id: String,
    pub secret_name: String,
    pub description: Option<String>,
    /// `None`: the token never expires.
    pub expiration: Option<DateTime<Utc>>,
    /// `authentication`, `signing`: the `usage-bootstrap-*` keys set to `"true"`.
    pub usages: Vec<String>,
    pub extra_groups: Vec<String>,
    /// Fields the API server's token authenticator would reject, in words.
    pub defects: Vec<String>,
}

fn text(secret: &Secret, key: &str) -> Option<String> {
    let from_data = secret
        .data
        .as_ref()
        .and_then(|d| d.get(key))
        .map(|b| String::from_utf8_lossy(&b.0).into_owned());
    from_data
        .or_else(|| {
            secret
                .string_data
                .as_ref()
                .and_then(|d| d.get(key).cloned())
        })
        .map(|s| s.trim().to_string())
}

/// Whether an extra group is one the API server accepts
/// (`\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z`).
pub fn valid_extra_group(group: &str) -> bool {
    let Some(rest) = group.strip_prefix(EXTRA_GROUP_PREFIX) else {
        return false;
    };
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    rest.len() <= 256
        && rest.chars().last().is_some_and(ok_char)
        && rest.chars().all(|c| ok_char(c) || c == ':' || c == '-')
}

impl BootstrapToken {
    /// The token in a Secret, or `None` for Secrets of another type.
    pub fn from_secret(secret: &Secret) -> Option<BootstrapToken> {
        if secret.type_.as_deref() != Some(TOKEN_TYPE) {
            return None;
        }
        let secret_name = secret.metadata.name.clone().unwrap_or_default();
        let mut defects = Vec::new();
        let from_name = secret_name.strip_prefix("bootstrap-token-");
        let id = match (text(secret, "token-id"), from_name) {
            (Some(id), Some(n)) if id != n => {
                defects.push(format!(
                    "token-id {id} does not match the Secret's name {secret_name}"
                ));
                id
            }
            (Some(id), _) => id,
            (None, n) => {
                defects.push("no token-id".into());
                n.unwrap_or_default().to_string()
            }
        };
        let is_id = |s: &str| {
            s.len() == 6
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        };
        if !id.is_empty() && !is_id(&id) {
            defects.push(format!("token-id {id} is not 6 characters [a-z0-9]"));
        }
        let expiration = match text(secret, "expiration") {
            None => None,
            Some(s) => match DateTime::parse_from_rfc3339(&s) {
                Ok(t) => Some(t.with_timezone(&Utc)),
                Err(e) => {
                    defects.push(format!("expiration {s:?} is not RFC 3339 ({e})"));
                    None
                }
            },
        };
        let usages = ["authentication", "signing"]
            .into_iter()
            .filter(|u| text(secret, &format!("usage-bootstrap-{u}")).as_deref() == Some("true"))
            .map(str::to_string)
            .collect();
        let extra_groups: Vec<String> = text(secret, "auth-extra-groups")
            .map(|g| {
                g.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for g in extra_groups.iter().filter(|g| !valid_extra_group(g)) {
            defects.push(format!(
                "extra group {g} does not start with {EXTRA_GROUP_PREFIX} (or has other characters than a-z, 0-9, : and -): the API server rejects the token"
            ));
        }
        Some(BootstrapToken {
            id,
            secret_name,
            description: text(secret, "description").filter(|d| !d.is_empty()),
            expiration,
            usages,
            extra_groups,
            defects,
        })
    }

    /// The user a node joining with this token is: `system:bootstrap:<id>`.
    pub fn username(&self) -> String {
        format!("{BOOTSTRAP_USER_PREFIX}{}", self.id)
    }

    /// The groups it authenticates in: `system:bootstrappers` and the extra groups.
    pub fn groups(&self) -> Vec<String> {
        std::iter::once(BOOTSTRAPPERS.to_string())
            .chain(self.extra_groups.iter().cloned())
            .collect()
    }

    /// Expiry status by a token's own measure; `None` for a token that never expires.
    /// kubeadm's tokens live 24 hours, so the certificates' thresholds would call every one
    /// critical. A token is `expired` once expired; a `warning` while nodes are still
    /// `joining` with it (a CSR of theirs is pending), since they cannot finish once it
    /// expires; else ok, however little time it has left.
    pub fn status(&self, now: DateTime<Utc>, joining: bool) -> Option<Status> {
        let end = self.expiration?;
        Some(if end <= now {
            Status::Expired
        } else if joining {
            Status::Warning
        } else {
            Status::Ok
        })
    }

    /// `18h`, `expired 2h ago`, `never`.
    pub fn expires_in(&self, now: DateTime<Utc>) -> String {
        match self.expiration {
            Some(t) => format::residual(t, now),
            None => "never".into(),
        }
    }

    /// Whether the API server accepts it for authentication at `now`.
    pub fn authenticates(&self, now: DateTime<Utc>) -> bool {
        self.usages.iter().any(|u| u == "authentication")
            && self.expiration.is_none_or(|t| t > now)
            && self.extra_groups.iter().all(|g| valid_extra_group(g))
    }
}

/// The bootstrap tokens at one instant, for judging the CSRs nodes made with them.
#[derive(Debug, Clone, Default)]
pub struct TokenIndex {
    /// `None` until the tokens could be read (RBAC may forbid reading Secrets).
    tokens: Option<Vec<BootstrapToken>>,
    now: DateTime<Utc>,
}

/// The answer to "what is token ID now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenLookup<'a> {
    Found(&'a BootstrapToken),
    /// Not among the tokens: deleted, or removed by the token cleaner once expired.
    Missing,
    /// The tokens could not be read, so nothing can be said.
    Unknown,
}

impl TokenIndex {
    /// An index that knows the tokens could not be read.
    pub fn unread() -> Self {
        TokenIndex::default()
    }

    /// The tokens as read, judged at `now`.
    pub fn new(tokens: Vec<BootstrapToken>, now: DateTime<Utc>) -> Self {
        TokenIndex {
            tokens: Some(tokens),
            now,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn lookup(&self, id: &str) -> TokenLookup<'_> {
        match &self.tokens {
            None => TokenLookup::Unknown,
            Some(list) => list
                .iter()
                .find(|t| t.id == id)
                .map_or(TokenLookup::Missing, TokenLookup::Found),
        }
    }
}

/// Tokens from a list of Secrets, by id.
pub fn from_secrets(secrets: &[Secret]) -> Vec<BootstrapToken> {
    let mut tokens: Vec<BootstrapToken> = secrets
        .iter()
        .filter_map(BootstrapToken::from_secret)
        .collect();
    tokens.sort_by(|a, b| a.id.cmp(&b.id));
    tokens
}
