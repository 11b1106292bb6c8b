//! Moving around: cursors, page sizes, folding and switching to the timeline. Page heights
//! come from the layout, which is why these live on `App` rather than on a tab.

use super::{App, Focus, Overlay, Screen, Tab};
use crate::tui::tree::Node;
use crate::tui::view;

impl App {
    /// The rows banner and footer take at `width`: they grow with long texts.
    pub fn chrome(&self, width: u16) -> view::Chrome {
        view::Chrome {
            banner: self.banner_rows_at(width),
            footer: view::screen::footer_rows(self, width),
        }
    }

    /// Where things go on the terminal now; `None` while it is too small to draw anything.
    pub fn areas(&self) -> Option<view::Areas> {
        view::layout(self.size, self.chrome(self.size.width))
    }

    /// Rows a page key moves by in whatever has the keys.
    pub(super) fn page(&self) -> usize {
        let Some(areas) = self.areas() else {
            return 1;
        };
        let list_or_details = |focus: Focus, list: usize, details: ratatui::layout::Rect| {
            match focus {
                Focus::Tree => list,
                Focus::Details => usize::from(details.height.saturating_sub(2)),
            }
            .max(1)
        };
        if self.overlays.is_empty() && self.tab == Tab::Csr {
            let rows = self.csr.len();
            let (_, details) = view::csr::split(areas.body, rows);
            let list = view::csr::list_rows(areas.body, rows);
            return list_or_details(self.csr.focus, list, details);
        }
        if self.overlays.is_empty() && self.tab == Tab::Tokens {
            let rows = self.tokens.len();
            let (_, details) = view::tokens::split(areas.body, rows);
            let list = view::tokens::list_rows(areas.body, rows);
            return list_or_details(self.tokens.focus, list, details);
        }
        if self.overlays.is_empty() && self.tab == Tab::Nodes {
            return view::nodes::list_rows(areas.body).max(1);
        }
        let h = match (self.overlays.last(), self.pki.screen, self.pki.focus) {
            (Some(_), ..) => areas.body.height.saturating_sub(4),
            (None, Screen::Timeline, _) => view::timeline::list_height(areas.body),
            (None, Screen::Tree, Focus::Tree) => areas.tree.height.saturating_sub(2),
            (None, Screen::Tree, Focus::Details) => areas.details.height.saturating_sub(2),
        };
        usize::from(h.max(1))
    }

    /// Move the cursor (or scroll) of the dialog on top, else of the tab shown.
    pub(super) fn nav(&mut self, delta: isize) {
        let page = self.page();
        match self.overlays.last_mut() {
            Some(Overlay::Help { scroll }) => {
                let max = view::help::max_scroll(self.size);
                *scroll = scroll.saturating_add_signed(delta).min(max);
                return;
            }
            Some(Overlay::Dialog(d)) => {
                let max = view::dialog::max_scroll(d, self.size);
                d.scroll = d.scroll.min(max).saturating_add_signed(delta).min(max);
                return;
            }
            None => {}
        }
        match self.tab {
            Tab::LocalPki => self.pki_nav(delta, page),
            Tab::Csr => self.csr_nav(delta, page),
            Tab::Tokens => self.tokens_nav(delta, page),
            Tab::Nodes => {
                let len = self.nodes.rows.len();
                self.nodes.list.move_by(delta, len, page);
            }
        }
    }

    fn pki_nav(&mut self, delta: isize, page: usize) {
        let pki = &mut self.pki;
        match (pki.screen, pki.focus) {
            (Screen::Timeline, _) => {
                pki.timeline.move_by(delta, pki.timeline_ids.len(), page);
            }
            (Screen::Tree, Focus::Details) if !pki.view.editing_filter => {
                let width = self.areas().map_or(0, |a| a.details.width);
                let len = view::details::lines(self, width).len();
                let max = len.saturating_sub(page);
                let s = &mut self.pki.details_scroll;
                *s = s.saturating_add_signed(delta).min(max);
            }
            (Screen::Tree, _) => {
                let before = pki.tree.index;
                pki.tree.move_by(delta, pki.rows.len(), page);
                if pki.tree.index != before {
                    pki.details_scroll = 0;
                }
            }
        }
    }

    pub(super) fn collapse(&mut self) {
        let pki = &self.pki;
        let Some(row) = pki.rows.get(pki.tree.index).copied() else {
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
        let parent = pki.rows[..pki.tree.index].iter().rposition(|r| {
            matches!(r.node, Node::Section(_)) && row.depth == 0
                || (r.depth < row.depth && !matches!(r.node, Node::Section(_)))
        });
        if let Some(p) = parent {
            let page = self.page();
            let pki = &mut self.pki;
            pki.tree.set(p, pki.rows.len(), page);
            pki.details_scroll = 0;
        }
    }

    pub(super) fn expand(&mut self) {
        let Some(row) = self.pki.rows.get(self.pki.tree.index).copied() else {
            return;
        };
        if row.has_children && !row.expanded {
            self.set_collapsed(row.node, false);
        } else if row.expanded {
            self.nav(1);
        }
    }

    fn set_collapsed(&mut self, node: Node, fold: bool) {
        if self.pki.set_collapsed(node, fold) {
            self.rebuild();
        } else {
            self.notice = Some("folding is off while filtering".into());
        }
    }

    pub(super) fn toggle_timeline(&mut self) {
        if let Some(id) = self.pki.switch_screen() {
            // The page height of the screen now shown.
            let page = self.page();
            self.pki.show_cert(id, page);
        }
    }

    /// Rebuild the local PKI tab's rows at the current clock and keep every cursor visible.
    pub(super) fn rebuild(&mut self) {
        self.pki.rebuild(self.now);
        self.reveal();
    }

    /// Keep cursors valid and visible after the rows or the window size changed.
    pub(super) fn reveal(&mut self) {
        let Some(areas) = self.areas() else {
            return;
        };
        let rows = self.csr.len();
        self.csr
            .list
            .reveal(rows, view::csr::list_rows(areas.body, rows));
        self.pki.reveal(&areas);
        let tokens = self.tokens.len();
        self.tokens
            .list
            .reveal(tokens, view::tokens::list_rows(areas.body, tokens));
        let nodes = self.nodes.rows.len();
        self.nodes
            .list
            .reveal(nodes, view::nodes::list_rows(areas.body));
    }
}
