//! Output in words. `kcert check`: the inventory as a table or JSON; [`runtime`]: probes,
//! restarts, the journal and x509 explanations as text; [`metrics`]: the same inventory as
//! Prometheus series; [`ca_plan`]: `kcert ca plan`, the node's copies of a CA and the
//! cluster's. Exit codes are the binary's.

pub mod ca_plan;
mod json;
pub mod metrics;
pub mod runtime;
pub(crate) mod table;

pub use json::{write_json_with, Extras};
pub use table::{render_table, TableStyle};
