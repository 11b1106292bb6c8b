//! Moving around: cursors, page sizes, folding and switching to the timeline.

use super::{App, Focus, Overlay, Screen, Tab};
use crate::tui::tree::{build, Node, NodeKey, RowOptions};
use crate::tui::view;

impl App {
    /// Rows a page key moves by in whatever has the keys.
    pub(super) fn page(&self) -> usize {
        let Some(areas) = view::layout(self.size, self.banner_rows()) else {
            return 1;
        };
        if self.overlays.is_empty() && self.tab == Tab::Csr {
            let rows = self.csr.set.views().len();
            let (_, details) = view::csr::split(areas.body, rows);
            return match self.csr.focus {
                Focus::Tree => view::csr::list_rows(areas.body, rows),
                Focus::Details => usize::from(details.height.saturating_sub(2)),
            }
            .max(1);
        }
        if self.overlays.is_empty() && self.tab == Tab::Tokens {
            let rows = self.tokens.len();
            let (_, details) = view::tokens::split(areas.body, rows);
            return match self.tokens.focus {
                Focus::Tree => view::tokens::list_rows(areas.body, rows),
                Focus::Details => usize::from(details.height.saturating_sub(2)),
            }
            .max(1);
        }
        let h = match (self.overlays.last(), self.screen, self.focus) {
            (Some(_), ..) => areas.body.height.saturating_sub(4),
            (None, Screen::Timeline, _) => view::timeline::list_height(areas.body),
            (None, Screen::Tree, Focus::Tree) => areas.tree.height.saturating_sub(2),
            (None, Screen::Tree, Focus::Details) => areas.details.height.saturating_sub(2),
        };
        usize::from(h.max(1))
    }

    pub(super) fn nav(&mut self, delta: isize) {
        let page = self.page();
        match self.overlays.last_mut() {
            Some(Overlay::Help { scroll }) => {
                let max = view::help::max_scroll(self.size);
                *scroll = scroll.saturating_add_signed(delta).min(max);
                return;
            }
            Some(Overlay::Dialog(d)) => {
                let max = d.lines.len().saturating_sub(1);
                d.scroll = d.scroll.saturating_add_signed(delta).min(max);
                return;
            }
            None => {}
        }
        if self.tab == Tab::Csr {
            self.csr_nav(delta, page);
            return;
        }
        if self.tab == Tab::Tokens {
            self.tokens_nav(delta, page);
            return;
        }
        match (self.screen, self.focus) {
            (Screen::Timeline, _) => {
                self.timeline.move_by(delta, self.timeline_ids.len(), page);
            }
            (Screen::Tree, Focus::Details) if !self.view.editing_filter => {
                let width =
                    view::layout(self.size, self.banner_rows()).map_or(0, |a| a.details.width);
                let len = view::details::lines(self, width).len();
                let max = len.saturating_sub(page);
                self.details_scroll = self.details_scroll.saturating_add_signed(delta).min(max);
            }
            (Screen::Tree, _) => {
                let before = self.tree.index;
                self.tree.move_by(delta, self.rows.len(), page);
                if self.tree.index != before {
                    self.details_scroll = 0;
                }
            }
        }
    }

    pub(super) fn collapse(&mut self) {
        let Some(row) = self.rows.get(self.tree.index).copied() else {
            return;
        };
        if row.expanded {
            self.set_collapsed(row.node, true);
            return;
        }
        if matches!(row.node, Node::Section(_)) {
            return;
        }
        // Already folded or a leaf: go to the parent, as file managers do.
        let parent = self.rows[..self.tree.index].iter().rposition(|r| {
            matches!(r.node, Node::Section(_)) && row.depth == 0
                || (r.depth < row.depth && !matches!(r.node, Node::Section(_)))
        });
        if let Some(p) = parent {
            self.tree.set(p, self.rows.len(), self.page());
            self.details_scroll = 0;
        }
    }

    pub(super) fn expand(&mut self) {
        let Some(row) = self.rows.get(self.tree.index).copied() else {
            return;
        };
        if row.has_children && !row.expanded {
            self.set_collapsed(row.node, false);
        } else if row.expanded {
            self.nav(1);
        }
    }

    fn set_collapsed(&mut self, node: Node, fold: bool) {
        let Some(d) = &self.data else { return };
        if !self.view.filter.is_empty() || self.view.problems_only {
            self.notice = Some("folding is off while filtering".into());
            return;
        }
        let key = d.forest.key(&d.inv, node);
        if fold {
            self.view.collapsed.insert(key);
        } else {
            self.view.collapsed.remove(&key);
        }
        self.rebuild();
    }

    pub(super) fn toggle_timeline(&mut self) {
        let selected = self.selected();
        self.screen = match self.screen {
            Screen::Tree => Screen::Timeline,
            Screen::Timeline => Screen::Tree,
        };
        let Some(Node::Cert(id)) = selected else {
            return;
        };
        let page = self.page();
        match self.screen {
            Screen::Timeline => {
                if let Some(i) = self.timeline_ids.iter().position(|&c| c == id) {
                    self.timeline.set(i, self.timeline_ids.len(), page);
                }
            }
            Screen::Tree => {
                if let Some(i) = self.rows.iter().position(|r| r.node == Node::Cert(id)) {
                    self.tree.set(i, self.rows.len(), page);
                }
            }
        }
    }
}

impl App {
    /// Recompute rows and the timeline order, keeping the selection on the same item if it is
    /// still shown (else the first match, else the same position).
    pub(super) fn rebuild(&mut self) {
        let Some(d) = &self.data else { return };
        let keep = self.selected_key();
        let filter = self.view.filter.to_lowercase();
        let opts = RowOptions {
            filter: &filter,
            problems_only: self.view.problems_only,
            sort_by_expiry: self.view.sort_by_expiry,
            collapsed: &self.view.collapsed,
            now: self.now,
        };
        (self.rows, self.timeline_ids) = build(&d.inv, &d.forest, &opts);
        let narrowing = !filter.is_empty() || self.view.problems_only;
        // While narrowing, a section heading is no match of its own: go to the first real one.
        let found = keep
            .filter(|k| !(narrowing && matches!(k, NodeKey::Section(_))))
            .and_then(|k| d.forest.find(&d.inv, &k))
            .and_then(|node| self.rows.iter().position(|r| r.matched && r.node == node));
        let first_match = || {
            self.rows
                .iter()
                .position(|r| r.matched && !matches!(r.node, Node::Section(_)))
        };
        let before = self.tree.index;
        self.tree.index = match found {
            Some(i) => i,
            None if narrowing => first_match().unwrap_or(0),
            None => before,
        };
        if self.tree.index != before || found.is_none() {
            self.details_scroll = 0;
        }
        self.reveal();
    }

    /// Keep cursors valid and visible after the rows or the window size changed.
    pub(super) fn reveal(&mut self) {
        let Some(areas) = view::layout(self.size, self.banner_rows()) else {
            return;
        };
        let rows = self.csr.set.views().len();
        self.csr
            .list
            .reveal(rows, view::csr::list_rows(areas.body, rows));
        let tree_h = usize::from(areas.tree.height.saturating_sub(2));
        self.tree.reveal(self.rows.len(), tree_h);
        let tl_h = usize::from(view::timeline::list_height(areas.body));
        self.timeline.reveal(self.timeline_ids.len(), tl_h);
        let tokens = self.tokens.len();
        self.tokens
            .list
            .reveal(tokens, view::tokens::list_rows(areas.body, tokens));
    }
}
