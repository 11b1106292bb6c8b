//! One CSR as kcert shows it: the `kubectl get csr` columns, the decoded request and the verdict.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use serde::Serialize;

use super::nodes::NodeIndex;
use super::request::{decode_issued, IssuedCert};
use super::rules::{bootstrap_token, evaluate, RuleInput, Verdict};
use super::tokens::TokenIndex;
use crate::pki::decode::{decode_request, DecodeError, DecodedRequest};
use crate::pki::format::human_duration;

/// Decoding is the costly part of a view and `spec` is immutable, so it is shared between
/// successive versions of the same object (approval only changes `status`).
pub type DecodedShared = Arc<Result<DecodedRequest, DecodeError>>;

/// One `status.conditions[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// `Approved`, `Denied` or `Failed`.
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    pub last_update: Option<DateTime<Utc>>,
}

/// A CSR, decoded and judged.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CsrView {
    pub name: String,
    pub uid: String,
    pub resource_version: String,
    pub created: Option<DateTime<Utc>>,
    /// `spec.signerName`; empty on objects from before v1 (see [`CsrView::signer_column`]).
    pub signer: String,
    /// `spec.username`.
    pub requestor: String,
    pub groups: Vec<String>,
    pub extra: BTreeMap<String, Vec<String>>,
    pub usages: Vec<String>,
    pub expiration_seconds: Option<i32>,
    pub conditions: Vec<Condition>,
    /// `kubectl get csr`'s CONDITION: `Pending`, `Approved,Issued`, `Denied`, ...
    pub condition: String,
    #[serde(serialize_with = "ser_decoded")]
    pub request: DecodedShared,
    /// The issued certificate; `Some(Err)` when `status.certificate` cannot be read.
    pub certificate: Option<Result<IssuedCert, DecodeError>>,
    pub verdict: Verdict,
}

fn ser_decoded<S: serde::Serializer>(d: &DecodedShared, s: S) -> Result<S::Ok, S::Error> {
    match d.as_ref() {
        Ok(r) => r.serialize(s),
        Err(e) => BTreeMap::from([("error", e)]).serialize(s),
    }
}

fn time(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.0.as_second(), t.0.subsec_nanosecond().max(0) as u32)
}

/// kubectl's CONDITION column (`pkg/printers/internalversion/printers.go`).
pub fn condition_string(conditions: &[Condition], issued: bool) -> String {
    let has = |k: &str| conditions.iter().any(|c| c.kind == k);
    let mut s = if has("Denied") {
        "Denied".to_string()
    } else if has("Approved") {
        "Approved".to_string()
    } else {
        "Pending".to_string()
    };
    if has("Failed") {
        s.push_str(",Failed");
    }
    if issued {
        s.push_str(",Issued");
    }
    s
}

impl CsrView {
    /// Decode and judge an API object. `decoded` reuses an earlier decoding of the same
    /// object (same uid); pass `None` to decode now.
    pub fn build(
        csr: &CertificateSigningRequest,
        nodes: &NodeIndex,
        decoded: Option<DecodedShared>,
    ) -> CsrView {
        let meta = &csr.metadata;
        let spec = &csr.spec;
        let status = csr.status.as_ref();
        let conditions: Vec<Condition> = status
            .and_then(|s| s.conditions.as_ref())
            .map(|cs| {
                cs.iter()
                    .map(|c| Condition {
                        kind: c.type_.clone(),
                        status: c.status.clone(),
                        reason: c.reason.clone().unwrap_or_default(),
                        message: c.message.clone().unwrap_or_default(),
                        last_update: c.last_update_time.as_ref().and_then(time),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let cert_bytes = status
            .and_then(|s| s.certificate.as_ref())
            .map(|b| b.0.as_slice())
            .filter(|b| !b.is_empty());
        let request = decoded.unwrap_or_else(|| Arc::new(decode_request(&spec.request.0)));
        let mut view = CsrView {
            name: meta.name.clone().unwrap_or_default(),
            uid: meta.uid.clone().unwrap_or_default(),
            resource_version: meta.resource_version.clone().unwrap_or_default(),
            created: meta.creation_timestamp.as_ref().and_then(time),
            signer: spec.signer_name.clone(),
            requestor: spec.username.clone().unwrap_or_default(),
            groups: spec.groups.clone().unwrap_or_default(),
            extra: spec.extra.clone().unwrap_or_default(),
            usages: spec.usages.clone().unwrap_or_default(),
            expiration_seconds: spec.expiration_seconds,
            condition: condition_string(&conditions, cert_bytes.is_some()),
            conditions,
            request,
            certificate: cert_bytes.map(decode_issued),
            verdict: Verdict::default(),
        };
        view.rejudge(nodes);
        view
    }

    /// Re-run the rules, e.g. after the node list changed.
    pub fn rejudge(&mut self, nodes: &NodeIndex) {
        let input = RuleInput {
            signer: &self.signer,
            requestor: &self.requestor,
            usages: &self.usages,
            expiration_seconds: self.expiration_seconds,
            request: self.request.as_ref().as_ref(),
        };
        self.verdict = evaluate(&input, nodes);
    }

    /// Judge the bootstrap token this was requested with (if any) against `tokens`, replacing
    /// an earlier judgement. The rules alone cannot: they know no tokens and no clock.
    pub fn judge_token(&mut self, tokens: &TokenIndex) {
        self.verdict.checks.retain(|c| c.rule != "token");
        self.verdict
            .checks
            .extend(bootstrap_token(&self.requestor, tokens));
    }

    /// Pending: neither Approved nor Denied, the only state an operator can act on.
    pub fn is_pending(&self) -> bool {
        !self
            .conditions
            .iter()
            .any(|c| c.kind == "Approved" || c.kind == "Denied")
    }

    /// What `A` (approve all) and `--all-valid` take: pending, and nothing to be careful
    /// about ([`super::actions::caution`]).
    pub fn is_approvable(&self) -> bool {
        self.is_pending() && super::actions::caution(self).is_none()
    }

    pub fn is_denied(&self) -> bool {
        self.conditions.iter().any(|c| c.kind == "Denied")
    }

    pub fn is_approved(&self) -> bool {
        self.conditions.iter().any(|c| c.kind == "Approved")
    }

    /// AGE as kubectl prints it; `<unknown>` without a creation time.
    pub fn age(&self, now: DateTime<Utc>) -> String {
        match self.created {
            Some(t) => human_duration((now - t).num_seconds()),
            None => "<unknown>".into(),
        }
    }

    /// SIGNERNAME as kubectl prints it.
    pub fn signer_column(&self) -> &str {
        if self.signer.is_empty() {
            "<none>"
        } else {
            &self.signer
        }
    }

    /// REQUESTEDDURATION as kubectl prints it.
    pub fn requested_duration(&self) -> String {
        match self.expiration_seconds {
            Some(s) => human_duration(s.into()),
            None => "<none>".into(),
        }
    }

    /// The node this CSR is about (from the requestor or the CN), for re-judging on node changes.
    pub fn node_name(&self) -> Option<&str> {
        let from_cn = self
            .request
            .as_ref()
            .as_ref()
            .ok()
            .and_then(|r| r.common_name.as_deref());
        [Some(self.requestor.as_str()), from_cn]
            .into_iter()
            .flatten()
            .find_map(|s| s.strip_prefix("system:node:"))
    }
}

/// Pending first, then newest first, then by name: what needs a decision is on top.
pub fn order(a: &CsrView, b: &CsrView) -> std::cmp::Ordering {
    b.is_pending()
        .cmp(&a.is_pending())
        .then_with(|| b.created.cmp(&a.created))
        .then_with(|| a.name.cmp(&b.name))
}

/// Sort by [`order`].
pub fn sort_views(views: &mut [CsrView]) {
    views.sort_by(order);
}
