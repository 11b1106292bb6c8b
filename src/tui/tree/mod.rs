//! Pure tree logic: [`Forest`] arranges an inventory once per scan, [`build`] flattens it
//! for the current fold state, filter, problems switch and sort order.

mod forest;
mod rows;

pub use forest::{Forest, Marks, Node, NodeKey, SectionKind};
#[cfg(test)]
pub use rows::build_rows;
pub use rows::{build, Hidden, Row, RowOptions};

#[cfg(test)]
mod tests;
