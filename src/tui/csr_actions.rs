//! Approvals and denials as the event loop performs them: over the watch's current
//! connection, a few at a time, one result per CSR. Public so tests perform exactly this.

use futures::StreamExt;

use super::action::{CsrActed, CsrAction};
use crate::cluster::{approve, deny, ActionError, Connection};

/// Requests in flight at once for `A`; kubectl does one at a time, a handful is still gentle.
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
    let results = match &action {
        CsrAction::Approve(names) => {
            futures::stream::iter(names.iter().cloned())
                .map(|name| {
                    let api = api.clone();
                    async move {
                        let r = approve(&api, &name).await;
                        (name, r)
                    }
                })
                .buffered(PARALLEL)
                .collect()
                .await
        }
        CsrAction::Deny { name, reason } => vec![(name.clone(), deny(&api, name, reason).await)],
    };
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
