//! `kcert csr list` and `kcert csr doctor` on the demo cluster seeded at a fixed clock, as
//! snapshots: what the operator reads after `kubectl get csr` and what the doctor says.

use kcert_fakeapi::seed;

use crate::common::{cli_snapshot_settings, now};
use crate::util::{kcert_at, Env};

/// The fake API server holding the demo cluster with its ages and expiries set from [`now`].
async fn demo_at_now() -> Env {
    let env = Env::start(Default::default()).await;
    seed::demo_at(&env.server, now()).expect("demo cluster");
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csr_list_of_the_demo_cluster() {
    let env = demo_at_now().await;
    let (code, out, err) = kcert_at(&env, now(), &["csr", "list"]).await;
    assert_eq!(code, 0, "{err}");
    cli_snapshot_settings(env.dir.path()).bind(|| insta::assert_snapshot!("csr_list", out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csr_doctor_of_the_demo_cluster() {
    let env = demo_at_now().await;
    let (code, out, err) = kcert_at(&env, now(), &["csr", "doctor"]).await;
    assert_eq!(code, 2, "the expired bootstrap token is an error: {err}");
    cli_snapshot_settings(env.dir.path()).bind(|| insta::assert_snapshot!("csr_doctor", out));
}
