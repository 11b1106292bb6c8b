//! The live cluster side: CertificateSigningRequests read from the API server, decoded,
//! judged and approved or denied.
//!
//! - [`source`] picks the kubeconfig (flags, `$KUBECONFIG`, `~/.kube/config`, then kubeadm's
//!   `admin.conf`/`super-admin.conf`); [`connect`] builds a client and probes it.
//! - [`diagnose`] turns a failed connection into one plain sentence, using kcert's own view of
//!   the local certificates (expired client certificate, expired or stale server certificate).
//! - [`request`], [`rules`] and [`view`] decode a CSR and judge it; they are pure.
//! - [`watch`] keeps a live set of [`CsrView`]s (list, then watch, resumed after drops) and
//!   sends [`ClusterEvent`]s over a channel: this is what the terminal UI consumes.
//! - [`actions`] approves and denies through the `approval` subresource, like kubectl;
//!   [`snapshot`] reads everything once for the `kcert csr` commands.
//! - [`tokens`] reads bootstrap-token Secrets (never their secret); [`rbac`] evaluates
//!   ClusterRoleBindings; [`doctor`] says which CSRs are approved automatically and why not.
//! - [`ca_read`] reads the copies of the CAs the cluster holds (ConfigMaps, token Secrets,
//!   webhook and APIService caBundles, the Nodes) and [`ca_copies`] judges them against the
//!   CAs on the node; [`cluster_info`] puts a renewed CA into `kube-public/cluster-info`.

pub mod actions;
mod autoapprove;
pub mod bounded;
pub mod ca_copies;
pub mod ca_read;
pub mod cluster_info;
pub mod connect;
pub mod diagnose;
pub mod doctor;
pub mod doctor_text;
pub mod nodes;
pub mod output;
pub mod rbac;
pub mod request;
pub mod rules;
pub mod set;
pub mod snapshot;
pub mod source;
mod tlsprobe;
pub mod tokens;
pub mod view;
pub mod watch;

pub use actions::{approve, caution, deny, ActionError, ActionOutcome, Caution};
pub use connect::{connect, Connection};
pub use diagnose::Diagnosis;
pub use nodes::NodeIndex;
pub use rules::{Check, Outcome, Verdict};
pub use set::CsrSet;
pub use source::{Access, Locations};
pub use view::CsrView;
pub use watch::{spawn_watch, ClusterEvent, ConnectionState, WatchHandle};
