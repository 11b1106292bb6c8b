//! The visible rows: the forest flattened under the current fold state, filter, problems-only
//! switch and sort order. Rebuilt when one of those changes, never per frame.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::forest::{Forest, Node, NodeKey, SectionKind};
use crate::pki::{CertId, Health, Inventory, Severity};
use crate::tui::status::Tone;

/// One line of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: Node,
    /// 0 for sections and the nodes directly under them.
    pub depth: u16,
    /// Bit `d` set: the ancestor at depth `d` has siblings below, so draw `│` in its column.
    pub guides: u64,
    /// Last among its siblings (`└─` rather than `├─`).
    pub last: bool,
    pub has_children: bool,
    pub expanded: bool,
    /// False when shown only because a descendant matches the filter.
    pub matched: bool,
    /// Folded: the worst of what the fold hides, when anything there is not ok.
    pub hidden: Option<Hidden>,
}

/// What a folded node hides: the worst tone below it and how many certificates have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hidden {
    pub tone: Tone,
    pub count: usize,
}

/// What narrows and orders the rows.
#[derive(Debug, Clone, Copy)]
pub struct RowOptions<'a> {
    /// Lower-case filter text; empty for none.
    pub filter: &'a str,
    pub problems_only: bool,
    pub sort_by_expiry: bool,
    pub collapsed: &'a HashSet<NodeKey>,
    pub now: DateTime<Utc>,
}

impl RowOptions<'_> {
    fn narrowing(&self) -> bool {
        !self.filter.is_empty() || self.problems_only
    }
}

/// Anything but ok at `now` (expiry, chain, key, role and every other problem count), a chain
/// or key marker, or a problem at warning level.
fn is_problem(inv: &Inventory, forest: &Forest, node: Node, now: DateTime<Utc>) -> bool {
    let serious = |ids: Option<&Vec<usize>>| {
        ids.is_some_and(|ids| {
            ids.iter().any(|&p| {
                inv.problems
                    .get(p)
                    .is_some_and(|p| p.severity >= Severity::Warning)
            })
        })
    };
    match node {
        Node::Section(_) => false,
        Node::Cert(id) => {
            let m = forest.marks[id];
            forest.tone(inv, id, now).is_problem() || m.chain || m.key
        }
        Node::ServiceAccount(i) => {
            inv.service_accounts
                .get(i)
                .is_some_and(|sa| sa.matches == Some(false))
                || serious(forest.sa_problems.get(i))
        }
        Node::Problem(i) => inv
            .problems
            .get(i)
            .is_some_and(|p| p.severity >= Severity::Warning),
    }
}

fn wanted(inv: &Inventory, forest: &Forest, node: Node, o: &RowOptions) -> bool {
    (!o.problems_only || is_problem(inv, forest, node, o.now))
        && forest.matches_text(inv, node, o.filter)
}

/// Per certificate: passes the filter and the problems switch.
fn wanted_certs(inv: &Inventory, forest: &Forest, o: &RowOptions) -> Vec<bool> {
    (0..inv.certs.len())
        .map(|id| !o.narrowing() || wanted(inv, forest, Node::Cert(id), o))
        .collect()
}

/// Wanted certificates, soonest expiry first.
fn by_expiry(inv: &Inventory, wanted: &[bool]) -> Vec<CertId> {
    let mut ids: Vec<CertId> = (0..inv.certs.len()).filter(|&id| wanted[id]).collect();
    ids.sort_by(|&a, &b| {
        let (ca, cb) = (&inv.certs[a].origin, &inv.certs[b].origin);
        inv.certs[a]
            .not_after
            .cmp(&inv.certs[b].not_after)
            .then_with(|| ca.path().cmp(cb.path()))
            .then_with(|| ca.index().cmp(&cb.index()))
    });
    ids
}

/// Sort mode: the worst first (a broken certificate with a year left comes before a healthy
/// one expiring next month), soonest expiry next.
fn worst_first(
    inv: &Inventory,
    forest: &Forest,
    expiring: &[CertId],
    now: DateTime<Utc>,
) -> Vec<CertId> {
    let health: Vec<Health> = expiring
        .iter()
        .map(|&id| forest.judge(inv, id, now).health)
        .collect();
    let mut order: Vec<usize> = (0..expiring.len()).collect();
    // Stable: within one health the expiry order stays.
    order.sort_by_key(|&i| std::cmp::Reverse(health[i]));
    order.into_iter().map(|i| expiring[i]).collect()
}

/// For narrowing: which certificates to show (they match, or a descendant does).
fn kept_certs(inv: &Inventory, forest: &Forest, wanted: &[bool]) -> Vec<bool> {
    let n = inv.certs.len();
    let mut seen = vec![false; n];
    let mut preorder = Vec::with_capacity(n);
    let mut stack: Vec<CertId> = forest
        .sections
        .iter()
        .flat_map(|(_, tops)| tops)
        .filter_map(|node| match node {
            Node::Cert(id) => Some(*id),
            _ => None,
        })
        .collect();
    while let Some(id) = stack.pop() {
        if !std::mem::replace(&mut seen[id], true) {
            preorder.push(id);
            stack.extend(&forest.children[id]);
        }
    }
    let mut keep = vec![false; n];
    for &id in preorder.iter().rev() {
        keep[id] = wanted[id] || forest.children[id].iter().any(|&c| keep[c]);
    }
    keep
}

/// Just the rows, for tests of the tree's shape.
#[cfg(test)]
pub fn build_rows(inv: &Inventory, forest: &Forest, o: &RowOptions) -> Vec<Row> {
    build(inv, forest, o).0
}

/// The tree's rows and the certificates in expiry order (for sort mode and the timeline),
/// sharing one pass of the filter.
pub fn build(inv: &Inventory, forest: &Forest, o: &RowOptions) -> (Vec<Row>, Vec<CertId>) {
    let narrowing = o.narrowing();
    let wanted = wanted_certs(inv, forest, o);
    let expiring = by_expiry(inv, &wanted);
    let walk = Walk {
        inv,
        forest,
        o,
        narrowing,
        keep: if narrowing {
            kept_certs(inv, forest, &wanted)
        } else {
            Vec::new()
        },
        wanted,
        // Fold state is kept by key (it survives rescans); resolve it to nodes once.
        folded: o
            .collapsed
            .iter()
            .filter_map(|k| forest.find(inv, k))
            .collect(),
    };
    let mut rows = Vec::new();
    if o.sort_by_expiry {
        let flat = worst_first(inv, forest, &expiring, o.now)
            .into_iter()
            .map(Node::Cert)
            .collect();
        walk.section(&mut rows, SectionKind::ByExpiry, flat);
    }
    for (kind, tops) in &forest.sections {
        let is_cert_section = tops.iter().any(|n| matches!(n, Node::Cert(_)));
        if o.sort_by_expiry && is_cert_section {
            continue;
        }
        let tops: Vec<Node> = tops.iter().copied().filter(|n| walk.shown(*n)).collect();
        walk.section(&mut rows, *kind, tops);
    }
    (rows, expiring)
}

/// What one flattening needs to hand down.
struct Walk<'a> {
    inv: &'a Inventory,
    forest: &'a Forest,
    o: &'a RowOptions<'a>,
    narrowing: bool,
    /// Per certificate, when narrowing: it matches or a descendant does.
    keep: Vec<bool>,
    /// Per certificate: it matches.
    wanted: Vec<bool>,
    folded: HashSet<Node>,
}

impl Walk<'_> {
    fn shown(&self, node: Node) -> bool {
        match node {
            Node::Cert(id) => !self.narrowing || self.keep[id],
            other => !self.narrowing || wanted(self.inv, self.forest, other, self.o),
        }
    }

    fn open(&self, node: Node) -> bool {
        self.narrowing || !self.folded.contains(&node)
    }

    /// The worst tone among `start` and everything they signed, and how many have it.
    fn worst_below(&self, start: Vec<CertId>) -> Option<Hidden> {
        let mut seen = HashSet::new();
        let mut stack = start;
        let mut worst: Option<Hidden> = None;
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            stack.extend(&self.forest.children[id]);
            let tone = self.forest.tone(self.inv, id, self.o.now);
            match &mut worst {
                _ if !tone.is_problem() => {}
                Some(h) if h.tone == tone => h.count += 1,
                Some(h) if h.tone > tone => {}
                _ => worst = Some(Hidden { tone, count: 1 }),
            }
        }
        worst
    }

    fn section(&self, rows: &mut Vec<Row>, kind: SectionKind, tops: Vec<Node>) {
        if tops.is_empty() {
            return;
        }
        let open = self.open(Node::Section(kind));
        let hidden = if open {
            None
        } else {
            let certs = tops.iter().filter_map(|n| match n {
                Node::Cert(id) => Some(*id),
                _ => None,
            });
            self.worst_below(certs.collect())
        };
        rows.push(Row {
            node: Node::Section(kind),
            depth: 0,
            guides: 0,
            last: false,
            has_children: true,
            expanded: open,
            matched: true,
            hidden,
        });
        if open {
            let count = tops.len();
            for (i, top) in tops.into_iter().enumerate() {
                self.emit(rows, top, i + 1 == count);
            }
        }
    }

    /// Push `top` and, when expanded, its subtree (depth-first, children in forest order).
    fn emit(&self, rows: &mut Vec<Row>, top: Node, last: bool) {
        let Node::Cert(top_id) = top else {
            rows.push(Row {
                node: top,
                depth: 0,
                guides: 0,
                last,
                has_children: false,
                expanded: false,
                matched: true,
                hidden: None,
            });
            return;
        };
        let tree = !self.o.sort_by_expiry;
        let mut seen = HashSet::new();
        let mut stack = vec![(top_id, 0u16, 0u64, last)];
        while let Some((id, depth, guides, last)) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let kids: Vec<CertId> = if tree {
                self.forest.children[id]
                    .iter()
                    .copied()
                    .filter(|&c| self.shown(Node::Cert(c)))
                    .collect()
            } else {
                Vec::new()
            };
            let open = self.open(Node::Cert(id));
            let hidden = if open || kids.is_empty() {
                None
            } else {
                self.worst_below(kids.clone())
            };
            rows.push(Row {
                node: Node::Cert(id),
                depth,
                guides,
                last,
                has_children: !kids.is_empty(),
                expanded: open && !kids.is_empty(),
                matched: self.wanted[id],
                hidden,
            });
            if open {
                let child_guides = if !last && depth > 0 && depth < 64 {
                    guides | (1 << depth)
                } else {
                    guides
                };
                let count = kids.len();
                for (i, c) in kids.into_iter().enumerate().rev() {
                    stack.push((c, depth + 1, child_guides, i + 1 == count));
                }
            }
        }
    }
}
