//! The cluster side against the fake API server (`kcert-fakeapi`): kubectl agrees with kcert,
//! rules on real and generated requests, connection banners, watch behaviour, actions and the
//! CLI; and kcert's readers of requests, RBAC objects and bootstrap tokens on objects the fake
//! builds.

#[path = "../common/mod.rs"]
mod common;

mod actions;
mod banners;
mod cli;
mod cli_snapshots;
mod doctor;
mod hostile;
mod kubectl;
mod kubectl_ca;
mod rbac;
mod request;
mod rules;
mod tokens;
mod util;
mod watch;
