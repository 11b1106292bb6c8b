//! The visible rows: the forest flattened under the current fold state, filter, problems-only
//! switch and sort order. Rebuilt when one of those changes, never per frame.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::forest::{Forest, Node, NodeKey, SectionKind};
use crate::pki::{CertId, Inventory, Severity};
use crate::tui::status::{status_at, Tone};

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

/// Expired, critical or warning at `now`, a chain or key marker, or a problem at warning level.
pub fn is_problem(inv: &Inventory, forest: &Forest, node: Node, now: DateTime<Utc>) -> bool {
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
            let tone = Tone::from(status_at(&inv.certs[id], now, inv.thresholds));
            let m = forest.marks[id];
            tone.is_expiry_problem() || m.chain || m.key || serious(forest.cert_problems.get(id))
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

/// Certificates passing the filter and problems switch, soonest expiry first.
pub fn expiry_order(inv: &Inventory, forest: &Forest, o: &RowOptions) -> Vec<CertId> {
    let mut ids: Vec<CertId> = (0..inv.certs.len())
        .filter(|&id| wanted(inv, forest, Node::Cert(id), o))
        .collect();
    ids.sort_by(|&a, &b| {
        let (ca, cb) = (&inv.certs[a], &inv.certs[b]);
        ca.not_after
            .cmp(&cb.not_after)
            .then_with(|| ca.origin.describe().cmp(&cb.origin.describe()))
    });
    ids
}

/// For narrowing: which certificates to show (they match, or a descendant does).
fn kept_certs(inv: &Inventory, forest: &Forest, o: &RowOptions) -> Vec<bool> {
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
        keep[id] =
            wanted(inv, forest, Node::Cert(id), o) || forest.children[id].iter().any(|&c| keep[c]);
    }
    keep
}

/// Flatten the forest into the rows the tree pane shows.
pub fn build_rows(inv: &Inventory, forest: &Forest, o: &RowOptions) -> Vec<Row> {
    let narrowing = o.narrowing();
    let keep = if narrowing {
        kept_certs(inv, forest, o)
    } else {
        Vec::new()
    };
    let shown = |node: Node| match node {
        Node::Cert(id) => !narrowing || keep[id],
        other => !narrowing || wanted(inv, forest, other, o),
    };
    let expanded = |key: NodeKey| narrowing || !o.collapsed.contains(&key);

    let mut rows = Vec::new();
    let section = |rows: &mut Vec<Row>, kind: SectionKind, tops: Vec<Node>| {
        if tops.is_empty() {
            return;
        }
        let open = expanded(NodeKey::Section(kind));
        rows.push(Row {
            node: Node::Section(kind),
            depth: 0,
            guides: 0,
            last: false,
            has_children: true,
            expanded: open,
            matched: true,
        });
        if open {
            let count = tops.len();
            for (i, top) in tops.into_iter().enumerate() {
                emit(rows, inv, forest, o, &keep, top, i + 1 == count);
            }
        }
    };
    if o.sort_by_expiry {
        let flat = expiry_order(inv, forest, o)
            .into_iter()
            .map(Node::Cert)
            .collect();
        section(&mut rows, SectionKind::ByExpiry, flat);
    }
    for (kind, tops) in &forest.sections {
        let is_cert_section = tops.iter().any(|n| matches!(n, Node::Cert(_)));
        if o.sort_by_expiry && is_cert_section {
            continue;
        }
        let tops: Vec<Node> = tops.iter().copied().filter(|n| shown(*n)).collect();
        section(&mut rows, *kind, tops);
    }
    rows
}

/// Push `top` and, when expanded, its subtree (depth-first, children in forest order).
fn emit(
    rows: &mut Vec<Row>,
    inv: &Inventory,
    forest: &Forest,
    o: &RowOptions,
    keep: &[bool],
    top: Node,
    last: bool,
) {
    let narrowing = o.narrowing();
    let Node::Cert(top_id) = top else {
        rows.push(Row {
            node: top,
            depth: 0,
            guides: 0,
            last,
            has_children: false,
            expanded: false,
            matched: true,
        });
        return;
    };
    let tree = !o.sort_by_expiry;
    let mut seen = HashSet::new();
    let mut stack = vec![(top_id, 0u16, 0u64, last)];
    while let Some((id, depth, guides, last)) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let kids: Vec<CertId> = if tree {
            forest.children[id]
                .iter()
                .copied()
                .filter(|&c| !narrowing || keep[c])
                .collect()
        } else {
            Vec::new()
        };
        let open = narrowing || !o.collapsed.contains(&forest.key(inv, Node::Cert(id)));
        rows.push(Row {
            node: Node::Cert(id),
            depth,
            guides,
            last,
            has_children: !kids.is_empty(),
            expanded: open && !kids.is_empty(),
            matched: !narrowing || wanted(inv, forest, Node::Cert(id), o),
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
