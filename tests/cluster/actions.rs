//! Approve and deny: conflicts retried after a fresh read, Approved/Denied guards, and the
//! API server's own refusal of contradictory conditions.

use kcert::cluster::{approve, deny, ActionError, ActionOutcome};

use super::util::Env;

fn count(env: &Env, prefix: &str) -> usize {
    env.server
        .requests()
        .iter()
        .filter(|r| r.starts_with(prefix))
        .count()
}

const CSR: &str = "/apis/certificates.k8s.io/v1/certificatesigningrequests/";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_is_retried_after_a_fresh_read() {
    let env = Env::demo().await;
    let api = env.connect().await.csrs();
    // Another writer updates the object right after each of our first two reads.
    env.server.touch_after_get("alice-dev", 2);
    assert_eq!(
        approve(&api, "alice-dev").await,
        Ok(ActionOutcome::Approved)
    );
    assert_eq!(count(&env, &format!("GET {CSR}alice-dev")), 3);
    assert_eq!(count(&env, &format!("PUT {CSR}alice-dev/approval")), 3);
    let o = env.server.csr("alice-dev").unwrap();
    let conditions = o["status"]["conditions"].as_array().unwrap();
    assert_eq!(conditions.len(), 1, "one condition despite three attempts");
    assert_eq!(conditions[0]["reason"], "KcertApprove");

    // A writer that never stops wins after ten attempts, like kubectl's retry limit.
    env.server.touch_after_get("csr-serving-worker-2", 100);
    assert_eq!(
        approve(&api, "csr-serving-worker-2").await,
        Err(ActionError::Conflicts("csr-serving-worker-2".into()))
    );
    assert!(env.server.csr("csr-serving-worker-2").unwrap()["status"]["conditions"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_and_denied_exclude_each_other() {
    let env = Env::demo().await;
    let api = env.connect().await.csrs();
    // Approving an approved CSR writes nothing, like kubectl without --force.
    let puts = count(&env, "PUT ");
    assert_eq!(
        approve(&api, "csr-serving-cp-1").await,
        Ok(ActionOutcome::AlreadyApproved)
    );
    assert_eq!(count(&env, "PUT "), puts);
    assert_eq!(
        deny(&api, "csr-serving-cp-1", "too late").await,
        Err(ActionError::AlreadyApproved("csr-serving-cp-1".into()))
    );
    let err = approve(&api, "mallory-admin").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "certificate signing request \"mallory-admin\" is already Denied: it cannot be approved"
    );
    assert_eq!(
        deny(&api, "mallory-admin", "").await,
        Ok(ActionOutcome::AlreadyDenied)
    );

    assert_eq!(
        deny(&api, "bob-admin", "  asks for system:masters ").await,
        Ok(ActionOutcome::Denied)
    );
    let o = env.server.csr("bob-admin").unwrap();
    assert_eq!(o["status"]["conditions"][0]["type"], "Denied");
    assert_eq!(
        o["status"]["conditions"][0]["message"],
        "This CSR was denied by kcert: asks for system:masters"
    );
    assert!(
        o["status"]["certificate"].is_null(),
        "denied requests are never issued"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_rejects_contradictory_or_shrinking_conditions() {
    let env = Env::demo().await;
    let conn = env.connect().await;
    let api = conn.csrs();
    let pp = kube::api::PostParams::default();
    // Approved and Denied together: 422 from the server.
    let mut csr = api.get("mallory-admin").await.unwrap();
    let mut approved = csr.status.as_ref().unwrap().conditions.clone().unwrap()[0].clone();
    approved.type_ = "Approved".into();
    csr.status
        .as_mut()
        .unwrap()
        .conditions
        .as_mut()
        .unwrap()
        .push(approved);
    let err = api
        .replace_subresource("approval", "mallory-admin", &pp, &csr)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 422 && s.message.contains("mutually exclusive")),
        "{err:?}"
    );
    // Removing a condition: 422.
    let mut csr = api.get("mallory-admin").await.unwrap();
    csr.status.as_mut().unwrap().conditions = Some(Vec::new());
    let err = api
        .replace_subresource("approval", "mallory-admin", &pp, &csr)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 422 && s.message.contains("may not remove")),
        "{err:?}"
    );
    // A stale resourceVersion: 409.
    let stale = api.get("alice-dev").await.unwrap();
    env.server.touch_after_get("alice-dev", 1);
    let _ = api.get("alice-dev").await.unwrap();
    let err = api
        .replace_subresource("approval", "alice-dev", &pp, &stale)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 409 && s.reason == "Conflict"),
        "{err:?}"
    );
}
