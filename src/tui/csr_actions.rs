//! Approvals and denials as the event loop performs them: over the watch's current
//! connection, a few at a time, one result per CSR. Public so tests perform exactly this.

use futures::StreamExt;

use super::action::{CsrActed, CsrAction};
use crate::cluster::{approve, deny, ActionError, Connection};

/// Requests in flight at once for `A` and marked rows; kubectl does one at a time, a handful is still gentle.
const PARALLEL: usize = 4;

/// Carry out `action`. Without a connection every CSR gets a plain "not connected" error.
pub async fn perform(conn: Option<Connection>, action: CsrAction) -> CsrActed {
    let names = action.names();
    let Some(conn) = conn else {
        let results = names
            .into_iter()
            .map(|name| {
                let e = ActionError::Transport {
                    name: name.clone(),
                    message: "not connected to the cluster".into(),
                };
                (name, Err(e))
            })
            .collect();
        return CsrActed { action, results };
    };
    let api = conn.csrs();
    let results = futures::stream::iter(names)
        .map(|name| {
            let api = api.clone();
            let action = &action;
            async move {
                let r = match action {
                    CsrAction::Approve(_) => approve(&api, &name).await,
                    CsrAction::Deny { reason, .. } => deny(&api, &name, reason).await,
                };
                (name, r)
            }
        })
        .buffered(PARALLEL)
        .collect()
        .await;
    CsrActed { action, results }
}

/// The message for an action whose task died: every CSR failed with `why`.
pub fn crashed(action: CsrAction, why: &str) -> CsrActed {
    let results = action
        .names()
        .into_iter()
        .map(|name| {
            let e = ActionError::Transport {
                name: name.clone(),
                message: format!("internal error: {why}"),
            };
            (name, Err(e))
        })
        .collect();
    CsrActed { action, results }
}
