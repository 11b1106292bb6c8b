//! The tokens tab's model and the auto-approval report behind the CSR tab's banner: the
//! doctor's reading arrives from a background task when the watch connects and every
//! [`REFRESH_TICKS`]; the report is judged again when CSRs that matter to it change.

use super::{App, Focus};
use crate::cluster::doctor::{diagnose, Facts, Report, TokenReport};
use crate::cluster::doctor_text;
use crate::cluster::rules::KUBELET_SERVING;
use crate::cluster::tokens::{TokenIndex, BOOTSTRAP_USER_PREFIX};
use crate::cluster::{ClusterEvent, CsrView};
use crate::pki::Severity;
use crate::tui::action::{Cmd, TaskError};
use crate::tui::cursor::Cursor;
use crate::tui::status::Tone;
use crate::tui::view;

/// Ticks (250 ms) between two readings: RBAC and tokens change rarely.
pub const REFRESH_TICKS: u64 = 120;

#[derive(Debug, Default)]
pub struct TokensTab {
    pub facts: Option<Facts>,
    /// The doctor's report on `facts` and the CSRs listed now.
    pub report: Option<Report>,
    /// Why the last reading failed (it is kept, with its report, until the next one).
    pub error: Option<TaskError>,
    pub list: Cursor,
    pub details_scroll: usize,
    pub focus: Focus,
    /// A reading is under way.
    pub reading: bool,
    /// The tick of the last reading asked for.
    asked_at: Option<u64>,
}

impl TokensTab {
    /// The tokens listed (empty while unread or unreadable).
    pub fn rows(&self) -> &[TokenReport] {
        match self.report.as_ref().map(|r| &r.tokens) {
            Some(Ok(t)) => t,
            _ => &[],
        }
    }

    pub fn len(&self) -> usize {
        self.rows().len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows().is_empty()
    }

    pub fn selected(&self) -> Option<&TokenReport> {
        self.rows().get(self.list.index)
    }
}

/// The banner's tone for a severity.
pub fn tone(s: Option<Severity>) -> Tone {
    match s {
        Some(Severity::Error) => Tone::Expired,
        Some(Severity::Warning) => Tone::Warning,
        _ => Tone::Ok,
    }
}

/// Whether a CSR change can change the report: bootstrap requests and serving requests.
fn matters(v: &CsrView) -> bool {
    v.requestor.starts_with(BOOTSTRAP_USER_PREFIX) || v.signer == KUBELET_SERVING
}

impl App {
    /// Ask for a reading unless one is under way or cluster access is off.
    pub(super) fn doctor_cmd(&mut self) -> Option<Cmd> {
        if !self.csr.enabled || self.tokens.reading {
            return None;
        }
        self.tokens.reading = true;
        self.tokens.asked_at = Some(self.ticks);
        Some(Cmd::Doctor)
    }

    /// A periodic reading, while connected.
    pub(super) fn doctor_due(&mut self) -> Option<Cmd> {
        let due = self
            .tokens
            .asked_at
            .is_some_and(|t| self.ticks >= t + REFRESH_TICKS);
        (due && self.csr.connected())
            .then(|| self.doctor_cmd())
            .flatten()
    }

    pub(super) fn doctor_read(&mut self, read: Result<Facts, TaskError>) {
        self.tokens.reading = false;
        match read {
            Ok(facts) => {
                self.tokens.facts = Some(facts);
                self.tokens.error = None;
                self.rejudge_doctor();
            }
            Err(e) => self.tokens.error = Some(e),
        }
    }

    /// Before a cluster event is applied: whether it can change the report.
    pub(super) fn doctor_relevant(&self, ev: &ClusterEvent) -> bool {
        self.tokens.facts.is_some()
            && match ev {
                ClusterEvent::Snapshot(_) => true,
                ClusterEvent::Upsert(v) => {
                    matters(v) || self.csr.set.get(&v.name).is_some_and(matters)
                }
                ClusterEvent::Removed { name } => self.csr.set.get(name).is_some_and(matters),
                ClusterEvent::Connection(_) => false,
            }
    }

    /// Judge the last reading against the CSRs listed now, keeping the selected token.
    pub(super) fn rejudge_doctor(&mut self) {
        let Some(facts) = &self.tokens.facts else {
            return;
        };
        let keep = self.tokens.selected().map(|t| t.token.id.clone());
        // Bootstrap CSRs are judged by their token too: an expired one fails, leaves `A`.
        let tokens = match &facts.tokens {
            Ok(t) => TokenIndex::new(t.clone(), self.now),
            Err(_) => TokenIndex::unread(),
        };
        self.csr.set.set_tokens(tokens);
        self.csr.recount();
        self.tokens.report = Some(diagnose(facts, self.csr.set.views(), self.now));
        if let Some(i) =
            keep.and_then(|id| self.tokens.rows().iter().position(|t| t.token.id == id))
        {
            self.tokens.list.index = i;
        }
        self.reveal();
    }

    pub(super) fn tokens_nav(&mut self, delta: isize, page: usize) {
        match self.tokens.focus {
            Focus::Tree => {
                let before = self.tokens.list.index;
                let len = self.tokens.len();
                self.tokens.list.move_by(delta, len, page);
                if self.tokens.list.index != before {
                    self.tokens.details_scroll = 0;
                }
            }
            Focus::Details => {
                let rows = self.tokens.len();
                let width = self
                    .areas()
                    .map_or(0, |a| view::tokens::split(a.body, rows).1.width);
                let len = view::tokens::details_lines(self, width).len();
                let s = &mut self.tokens.details_scroll;
                *s = s.saturating_add_signed(delta).min(len.saturating_sub(page));
            }
        }
    }

    /// The auto-approval line for the CSR tab's banner.
    pub fn doctor_banner(&self) -> Option<(Tone, String)> {
        let r = self.tokens.report.as_ref()?;
        Some((
            tone(r.worst()),
            format!("{}  (D: details)", doctor_text::summary(r)),
        ))
    }

    /// `D`: the whole report over the screen.
    pub(super) fn open_doctor(&mut self) {
        let Some(r) = &self.tokens.report else {
            let why = match (&self.tokens.error, self.tokens.reading) {
                (Some(e), _) => format!("The auto-approval check could not run: {e}"),
                (None, true) => "The auto-approval check is still reading the cluster.".into(),
                (None, false) => {
                    "The auto-approval check runs once the cluster is connected.".into()
                }
            };
            self.notice = Some(why);
            return;
        };
        // The tokens tab has the token table; here a table would wrap out of shape.
        let tokens = match &r.tokens {
            Ok(t) => format!("\nBootstrap tokens: {} (tab 3 lists them)\n", t.len()),
            Err(e) => format!("\nBootstrap tokens\n? {e}\n"),
        };
        let text = doctor_text::approval(r) + &tokens + &doctor_text::findings(r);
        let lines = text
            .lines()
            .map(|l| {
                let glyph = l.trim_start().chars().next();
                let tone = match glyph {
                    Some('✓') => Some(Tone::Ok),
                    Some('!') => Some(Tone::Warning),
                    Some('✗') => Some(Tone::Expired),
                    Some('?') => Some(Tone::Unknown),
                    _ => None,
                };
                (tone, l.to_string())
            })
            .collect();
        self.open_report("Auto-approval check", lines);
    }
}
