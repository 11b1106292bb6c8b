//! Approve and deny through the `approval` subresource, the way `kubectl certificate
//! approve|deny` does: read, append one condition, PUT the whole object; retry on 409.

use chrono::Utc;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, PostParams};

use super::rules::Check;
use super::view::CsrView;

/// kubectl retries a conflicting update this many times.
const MAX_ATTEMPTS: usize = 10;

pub const APPROVE_REASON: &str = "KcertApprove";
pub const DENY_REASON: &str = "KcertDeny";
pub const APPROVE_MESSAGE: &str = "This CSR was approved by kcert.";

/// What an action did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionOutcome {
    Approved,
    Denied,
    /// Nothing to do: the condition was already there (kubectl does not write either).
    AlreadyApproved,
    AlreadyDenied,
}

impl ActionOutcome {
    /// The past-tense word kubectl prints.
    pub fn word(self) -> &'static str {
        match self {
            ActionOutcome::Approved | ActionOutcome::AlreadyApproved => "approved",
            ActionOutcome::Denied | ActionOutcome::AlreadyDenied => "denied",
        }
    }
}

/// Why an action did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// Approved and Denied exclude each other; neither condition can be removed.
    #[error("certificate signing request \"{0}\" is already Denied: it cannot be approved")]
    AlreadyDenied(String),
    #[error("certificate signing request \"{0}\" is already Approved: it cannot be denied")]
    AlreadyApproved(String),
    #[error("certificate signing request \"{0}\" not found")]
    NotFound(String),
    #[error("certificate signing request \"{0}\" kept changing: gave up after {MAX_ATTEMPTS} conflicting updates")]
    Conflicts(String),
    #[error("{name}: the API server answered {code}: {message}")]
    Api {
        name: String,
        code: u16,
        message: String,
    },
    #[error("{name}: {message}")]
    Transport { name: String, message: String },
}

/// Why approving a CSR takes more than a plain yes: its verdict failed. Both front ends ask
/// for it: `kcert csr approve` refuses without `--force`, the UI wants the name typed, and
/// neither `--all-valid` nor `A` ever includes such a CSR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caution {
    pub name: String,
    /// A failed check would hand out cluster-admin rights or another identity.
    pub dangerous: bool,
    /// `rule: reason` for each failed check, dangerous ones first.
    pub failures: Vec<String>,
}

impl Caution {
    /// What approving it would mean, in one clause.
    pub fn headline(&self) -> &'static str {
        if self.dangerous {
            "it is dangerous: approving it hands out cluster-admin rights or another identity"
        } else {
            "it fails kcert's checks"
        }
    }
}

impl std::fmt::Display for Caution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.headline(), self.failures.join("; "))
    }
}

/// `None` when `v`'s verdict passed: approving it needs no more than a yes.
pub fn caution(v: &CsrView) -> Option<Caution> {
    if v.verdict.passed() {
        return None;
    }
    let mut failed: Vec<&Check> = v.verdict.failures().collect();
    failed.sort_by_key(|c| !c.danger);
    Some(Caution {
        name: v.name.clone(),
        dangerous: v.verdict.is_dangerous(),
        failures: failed
            .iter()
            .map(|c| format!("{}: {}", c.rule, c.reason))
            .collect(),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Approve,
    Deny,
}

/// Approve `name`. Already Approved is success without a write; Denied is an error.
pub async fn approve(
    api: &Api<CertificateSigningRequest>,
    name: &str,
) -> Result<ActionOutcome, ActionError> {
    act(api, name, Kind::Approve, APPROVE_MESSAGE.to_string()).await
}

/// Deny `name` with the operator's reason in the condition message.
pub async fn deny(
    api: &Api<CertificateSigningRequest>,
    name: &str,
    reason: &str,
) -> Result<ActionOutcome, ActionError> {
    let reason = reason.trim();
    let message = if reason.is_empty() {
        "This CSR was denied by kcert.".to_string()
    } else {
        format!("This CSR was denied by kcert: {reason}")
    };
    act(api, name, Kind::Deny, message).await
}

fn has(csr: &CertificateSigningRequest, kind: &str) -> bool {
    csr.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == kind))
}

fn api_error(name: &str, e: kube::Error) -> ActionError {
    match e {
        kube::Error::Api(s) if s.code == 404 => ActionError::NotFound(name.to_string()),
        kube::Error::Api(s) => ActionError::Api {
            name: name.to_string(),
            code: s.code,
            message: s.message,
        },
        other => ActionError::Transport {
            name: name.to_string(),
            message: super::source::error_chain(&other),
        },
    }
}

async fn act(
    api: &Api<CertificateSigningRequest>,
    name: &str,
    kind: Kind,
    message: String,
) -> Result<ActionOutcome, ActionError> {
    for _ in 0..MAX_ATTEMPTS {
        let mut csr = api.get(name).await.map_err(|e| api_error(name, e))?;
        match kind {
            Kind::Approve if has(&csr, "Denied") => {
                return Err(ActionError::AlreadyDenied(name.into()))
            }
            Kind::Approve if has(&csr, "Approved") => return Ok(ActionOutcome::AlreadyApproved),
            Kind::Deny if has(&csr, "Approved") => {
                return Err(ActionError::AlreadyApproved(name.into()))
            }
            Kind::Deny if has(&csr, "Denied") => return Ok(ActionOutcome::AlreadyDenied),
            _ => {}
        }
        let (type_, reason) = match kind {
            Kind::Approve => ("Approved", APPROVE_REASON),
            Kind::Deny => ("Denied", DENY_REASON),
        };
        let now = Time(
            k8s_openapi::jiff::Timestamp::from_second(Utc::now().timestamp()).unwrap_or_default(),
        );
        csr.status
            .get_or_insert_with(CertificateSigningRequestStatus::default)
            .conditions
            .get_or_insert_with(Vec::new)
            .push(CertificateSigningRequestCondition {
                type_: type_.into(),
                status: "True".into(),
                reason: Some(reason.into()),
                message: Some(message.clone()),
                last_update_time: Some(now),
                last_transition_time: None,
            });
        match api
            .replace_subresource("approval", name, &PostParams::default(), &csr)
            .await
        {
            Ok(_) => {
                return Ok(match kind {
                    Kind::Approve => ActionOutcome::Approved,
                    Kind::Deny => ActionOutcome::Denied,
                })
            }
            Err(kube::Error::Api(s)) if s.code == 409 => continue,
            Err(e) => return Err(api_error(name, e)),
        }
    }
    Err(ActionError::Conflicts(name.into()))
}
