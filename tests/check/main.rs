//! `kcert check` and the inventory behind it, tested on real and generated trees.

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod cfssl;
mod cli;
mod cli_snapshots;
mod front;
mod generated;
mod real_fixtures;
mod schema;
mod x509_text;
