//! Pure tree logic: [`Forest`] arranges an inventory once per scan, [`build_rows`] flattens it
//! for the current fold state, filter, problems switch and sort order.

mod forest;
mod rows;

pub use forest::{Forest, Marks, Node, NodeKey, SectionKind};
pub use rows::{build_rows, expiry_order, is_problem, Row, RowOptions};

#[cfg(test)]
mod tests;
