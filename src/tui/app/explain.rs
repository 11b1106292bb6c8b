//! `e`: paste a Go x509 validity error, Enter names the certificate it is about and puts the
//! cursor on it. Pure: the line is matched against the inventory already loaded.

use super::{App, Dialog, Focus, Overlay, Screen};
use crate::report::runtime::explain_verdict;
use crate::runtime::{self, Clues, Reading};
use crate::tui::status::Tone;
use crate::tui::tree::Node;

const HOW: &str = "Paste a line with \"x509: certificate has expired or is not yet valid: \
                   current time … is after …\" (kubectl, kubelet or etcd log), then Enter.";

impl App {
    pub(super) fn ask_explain(&mut self) {
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title: "Which certificate is this x509 error about?".into(),
            lines: vec![(None, HOW.into())],
            input: Some(String::new()),
            prompt: "x509 error".into(),
            explain: true,
            ..Dialog::default()
        })));
    }

    /// Match `line`; on success close the prompt and select the first match, else say why in
    /// the prompt so the line can be fixed.
    pub(super) fn explain_line(&mut self, line: &str) {
        let Some(d) = &self.pki.data else {
            self.notice = Some("nothing scanned yet".into());
            return;
        };
        let clues = Clues {
            probes: d.served.as_ref().map_or(&[], |s| s.results.as_slice()),
            replaced: &d.replaced,
            usage: d.findings.as_ref().map(|f| &f.usage),
        };
        let e = match runtime::explain(line, &d.inv, &clues) {
            Ok(e) => e,
            Err(err) => {
                if let Some(Overlay::Dialog(dlg)) = self.overlays.last_mut() {
                    dlg.lines = vec![(None, HOW.into()), (Some(Tone::Expired), err.to_string())];
                }
                return;
            }
        };
        self.overlays.pop();
        let when = crate::pki::format::datetime_secs(e.reading.instant());
        let field = match e.reading {
            Reading::Expired { .. } => "NotAfter",
            Reading::NotYetValid { .. } => "NotBefore",
        };
        // Not on disk any more but still presented: the restart after a renewal is missing.
        if let Some(verdict) = explain_verdict(&e, &clues) {
            let now_there = e
                .replaced
                .first()
                .and_then(|r| d.inv.certs.iter().position(|c| c.origin.path() == r.path));
            self.notice = Some(verdict);
            if let Some(id) = now_there.or(e.matches.first().copied()) {
                self.select_cert(id);
            }
            return;
        }
        let Some(&first) = e.matches.first() else {
            self.notice = Some(format!(
                "no certificate has {field} {when}: it may be the peer's, on another machine"
            ));
            return;
        };
        let names: Vec<String> = e
            .matches
            .iter()
            .map(|&id| d.inv.certs[id].display_name())
            .collect();
        self.notice = Some(format!(
            "{} certificate{} match{} {field} {when}: {}",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            if names.len() == 1 { "es" } else { "" },
            names.join(", ")
        ));
        self.select_cert(first);
    }

    /// Put the tree cursor on certificate `id`, clearing the filter and unfolding if that is
    /// what hides it.
    pub(super) fn select_cert(&mut self, id: usize) {
        self.pki.screen = Screen::Tree;
        self.pki.focus = Focus::Tree;
        let find = |app: &App| app.pki.rows.iter().position(|r| r.node == Node::Cert(id));
        if find(self).is_none() {
            self.pki.view.filter.clear();
            self.pki.view.problems_only = false;
            self.pki.view.collapsed.clear();
            self.rebuild();
        }
        if let Some(i) = find(self) {
            let page = self.page();
            self.pki.tree.set(i, self.pki.rows.len(), page);
            self.pki.details_scroll = 0;
        }
    }
}
