//! The terminal UI on real generated trees.
//!
//! - `screens`: whole-app snapshots on a `TestBackend` with a fixed clock (text, and styles where
//!   the colour is the point).
//! - `e2e`: the real binary in a tmux pseudo-terminal: moving, filtering, help, quitting, and the
//!   terminal restored afterwards.

mod e2e;
mod screens;
mod util;
