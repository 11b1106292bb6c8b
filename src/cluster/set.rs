//! The rows of the CSR tab: [`ClusterEvent`]s applied to a sorted list, so a front end only
//! forwards events and draws [`CsrSet::views`].

use super::tokens::TokenIndex;
use super::view::{order, CsrView};
use super::watch::{ClusterEvent, ConnectionState};

/// The CSRs as last reported, sorted pending first, and the connection state. Bootstrap
/// requests are judged against the tokens last given ([`CsrSet::set_tokens`]).
#[derive(Debug, Clone, Default)]
pub struct CsrSet {
    views: Vec<CsrView>,
    connection: Option<ConnectionState>,
    tokens: TokenIndex,
}

impl CsrSet {
    /// Apply one event. Upserts and removals cost one binary search and one shift, so a
    /// burst of approvals on a large cluster does not re-sort the list each time.
    pub fn apply(&mut self, ev: ClusterEvent) {
        match ev {
            ClusterEvent::Connection(state) => self.connection = Some(state),
            ClusterEvent::Snapshot(mut views) => {
                views.sort_by(order);
                for v in &mut views {
                    v.judge_token(&self.tokens);
                }
                self.views = views;
            }
            ClusterEvent::Upsert(mut view) => {
                view.judge_token(&self.tokens);
                self.remove(&view.name);
                let at = self
                    .views
                    .partition_point(|v| order(v, &view) == std::cmp::Ordering::Less);
                self.views.insert(at, *view);
            }
            ClusterEvent::Removed { name } => self.remove(&name),
        }
    }

    /// Judge every bootstrap request against `tokens` (read at one instant), and those to come.
    pub fn set_tokens(&mut self, tokens: TokenIndex) {
        for v in &mut self.views {
            v.judge_token(&tokens);
        }
        self.tokens = tokens;
    }

    fn remove(&mut self, name: &str) {
        if let Some(i) = self.views.iter().position(|v| v.name == name) {
            self.views.remove(i);
        }
    }

    /// Sorted pending first, newest first.
    pub fn views(&self) -> &[CsrView] {
        &self.views
    }

    pub fn get(&self, name: &str) -> Option<&CsrView> {
        self.views.iter().find(|v| v.name == name)
    }

    pub fn connection(&self) -> Option<&ConnectionState> {
        self.connection.as_ref()
    }

    /// The banner text while the cluster cannot be reached.
    pub fn banner(&self) -> Option<String> {
        match &self.connection {
            Some(ConnectionState::Failed {
                diagnosis,
                retry_in,
            }) => Some(format!(
                "{} (retrying in {}s)",
                diagnosis.banner(),
                retry_in.as_secs()
            )),
            _ => None,
        }
    }

    /// What `A` approves: pending CSRs whose every rule passed.
    pub fn approvable(&self) -> impl Iterator<Item = &CsrView> {
        self.views.iter().filter(|v| v.is_approvable())
    }
}
