//! The cluster side against an in-process API server: kubectl agrees with kcert, rules on
//! real and generated requests, connection banners, watch behaviour, actions and the CLI.

#[path = "../common/mod.rs"]
mod common;

mod actions;
mod banners;
mod cli;
mod doctor;
mod kubectl;
mod rules;
mod util;
mod watch;
