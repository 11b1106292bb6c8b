//! The terminal UI.

mod action;
mod keymap;
mod status;
mod theme;
mod tree;

#[cfg(test)]
mod testutil;
