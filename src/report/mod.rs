//! Output in words. `kcert check`: the inventory as a table or JSON, and the exit-code
//! policy; [`runtime`]: probes, restarts, the journal and x509 explanations as text.
//!
//! Exit codes follow the monitoring-plugin convention, decided in one place ([`exit_code`]).

mod json;
pub mod runtime;
pub(crate) mod table;

pub use json::{write_json, write_json_with, Extras};
pub use table::render_table;

use crate::pki::{Inventory, Severity};

/// 0 all ok, 1 some warning, 2 something critical; 3 (could not run) is the binary's.
/// Every problem counts, so the code is at least the worst certificate health
/// ([`Inventory::healths`]: a key that does not match is critical whatever the expiry).
pub fn exit_code(inv: &Inventory) -> u8 {
    match inv.worst_severity() {
        Some(Severity::Error) => 2,
        Some(Severity::Warning) => 1,
        _ => 0,
    }
}
