//! The trust forest built once per scan: which section each root belongs to, who signed whom,
//! which problems belong to which row, and the lower-case text the filter searches.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::pki::{
    CaRole, CertEntry, CertId, ChainVerdict, Inventory, Judgement, Origin, ProblemKind, Severity,
};
use crate::tui::status::Tone;

/// The tree's top-level groups, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectionKind {
    /// Sort mode: every certificate in one flat list by expiry.
    ByExpiry,
    /// The CAs of one role (kubeadm has three; k3s and RKE2 five) and what they signed.
    Ca(CaRole),
    OtherCa,
    UnknownIssuer,
    ServiceAccount,
    Unparsed,
    OtherProblems,
}

impl SectionKind {
    pub fn title(self) -> &'static str {
        match self {
            SectionKind::ByExpiry => "All certificates by expiry",
            SectionKind::Ca(CaRole::Kubernetes) => "Kubernetes CA",
            SectionKind::Ca(CaRole::Client) => "Client CA",
            SectionKind::Ca(CaRole::Server) => "Server CA",
            SectionKind::Ca(CaRole::FrontProxy) => "Front-proxy (request-header) CA",
            SectionKind::Ca(CaRole::Etcd) => "etcd CA",
            SectionKind::Ca(CaRole::EtcdServer) => "etcd server CA",
            SectionKind::Ca(CaRole::EtcdPeer) => "etcd peer CA",
            SectionKind::OtherCa => "Other CAs and self-signed",
            SectionKind::UnknownIssuer => "Unknown or unverified issuer",
            SectionKind::ServiceAccount => "Service-account key pair",
            SectionKind::Unparsed => "Files that could not be parsed",
            SectionKind::OtherProblems => "Other problems",
        }
    }
}

/// A row's subject, by index into the [`Inventory`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    Section(SectionKind),
    Cert(CertId),
    /// Index into [`Inventory::service_accounts`].
    ServiceAccount(usize),
    /// Index into [`Inventory::problems`] (a problem no certificate or key pair owns).
    Problem(usize),
}

/// A node's identity that survives a rescan, for selection and fold state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NodeKey {
    Section(SectionKind),
    Cert(Origin),
    ServiceAccount(usize),
    Problem(PathBuf, String),
}

/// Chain or key trouble worth a marker on the row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    pub chain: bool,
    pub key: bool,
}

/// The inventory arranged for the tree view. Indices refer to the inventory it was built from.
#[derive(Debug, Clone, Default)]
pub struct Forest {
    /// Non-empty sections in display order with their top-level nodes.
    pub sections: Vec<(SectionKind, Vec<Node>)>,
    /// Certificates each certificate signed, CAs first, then by name.
    pub children: Vec<Vec<CertId>>,
    pub marks: Vec<Marks>,
    /// Indices into [`Inventory::problems`] per certificate and per service-account pair.
    pub cert_problems: Vec<Vec<usize>>,
    pub sa_problems: Vec<Vec<usize>>,
    /// Lower-case name, subject, SANs and path per certificate.
    haystacks: Vec<String>,
}

impl Forest {
    pub fn build(inv: &Inventory) -> Forest {
        let n = inv.certs.len();
        let mut children = vec![Vec::new(); n];
        let mut tops = Vec::new();
        for (id, c) in inv.certs.iter().enumerate() {
            // A copy of a CA inside another file is listed with its original, not as a CA.
            if c.copy_of.is_some() {
                continue;
            }
            match c.issuer_id {
                Some(p) if p != id && p < n => children[p].push(id),
                _ => tops.push(id),
            }
        }
        let names: Vec<String> = inv.certs.iter().map(CertEntry::display_name).collect();
        let order = |a: &CertId, b: &CertId| {
            let (ca, cb) = (&inv.certs[*a], &inv.certs[*b]);
            cb.is_ca
                .cmp(&ca.is_ca)
                .then_with(|| names[*a].cmp(&names[*b]))
        };
        for list in &mut children {
            list.sort_by(order);
        }
        tops.sort_by(order);

        // Certificates on an issuer loop are reachable from no top; show them as unknown roots.
        let mut reached: Vec<bool> = inv.certs.iter().map(|c| c.copy_of.is_some()).collect();
        let mut stack: Vec<CertId> = tops.clone();
        while let Some(id) = stack.pop() {
            if !std::mem::replace(&mut reached[id], true) {
                stack.extend(&children[id]);
            }
        }
        for id in 0..n {
            if !reached[id] {
                tops.push(id);
                stack.push(id);
                while let Some(x) = stack.pop() {
                    if !std::mem::replace(&mut reached[x], true) {
                        stack.extend(&children[x]);
                    }
                }
            }
        }

        let mut sections: Vec<(SectionKind, Vec<Node>)> = Vec::new();
        let mut push =
            |kind: SectionKind, node: Node| match sections.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, v)) => v.push(node),
                None => sections.push((kind, vec![node])),
            };
        for id in tops {
            push(root_section(inv, id), Node::Cert(id));
        }

        let cert_problems = inv.problems_by_cert();
        let mut sa_problems = vec![Vec::new(); inv.service_accounts.len()];
        let sa_of_key = |k| {
            inv.service_accounts
                .iter()
                .position(|sa| sa.key_id == Some(k) || sa.pub_id == Some(k))
        };
        for (pi, p) in inv.problems.iter().enumerate() {
            if inv.problem_owner(p).is_some() {
                continue;
            } else if let Some(sa) = p.key_id.and_then(sa_of_key) {
                sa_problems[sa].push(pi);
            } else if p.kind == ProblemKind::ServiceAccount && !sa_problems.is_empty() {
                sa_problems[0].push(pi);
            } else if p.kind == ProblemKind::File {
                push(SectionKind::Unparsed, Node::Problem(pi));
            } else {
                push(SectionKind::OtherProblems, Node::Problem(pi));
            }
        }
        for i in 0..inv.service_accounts.len() {
            push(SectionKind::ServiceAccount, Node::ServiceAccount(i));
        }
        sections.sort_by_key(|(k, _)| *k);

        let marks = inv
            .certs
            .iter()
            .enumerate()
            .map(|(id, c)| {
                let kinds = || cert_problems[id].iter().map(|&p| inv.problems[p].kind);
                Marks {
                    chain: !c.chain.is_ok()
                        || kinds().any(|k| matches!(k, ProblemKind::Chain | ProblemKind::WrongCa)),
                    key: c.key_match == Some(false)
                        || kinds().any(|k| k == ProblemKind::KeyMismatch),
                }
            })
            .collect();

        let haystacks = inv
            .certs
            .iter()
            .zip(&names)
            .map(|(c, name)| {
                let mut h = format!("{name}\n{}\n{}", c.subject, c.origin.describe());
                for san in &c.sans {
                    h.push('\n');
                    h.push_str(san);
                }
                h.to_lowercase()
            })
            .collect();

        Forest {
            sections,
            children,
            marks,
            cert_problems,
            sa_problems,
            haystacks,
        }
    }

    /// Certificate `id` at `now` with every problem about it.
    pub fn judge<'a>(&self, inv: &'a Inventory, id: CertId, now: DateTime<Utc>) -> Judgement<'a> {
        let mine = self.cert_problems.get(id).map_or(&[][..], Vec::as_slice);
        inv.judge_at(id, now, mine.iter().filter_map(|&i| inv.problems.get(i)))
    }

    /// How certificate `id` reads at `now`: glyph, colour, count, sort and `p` all follow it.
    pub fn tone(&self, inv: &Inventory, id: CertId, now: DateTime<Utc>) -> Tone {
        Tone::of(&self.judge(inv, id, now))
    }

    /// Case-insensitive substring match; `needle` must already be lower case.
    pub fn matches_text(&self, inv: &Inventory, node: Node, needle: &str) -> bool {
        if needle.is_empty() {
            return true;
        }
        let has = |p: &Path| p.to_string_lossy().to_lowercase().contains(needle);
        match node {
            Node::Section(_) => false,
            Node::Cert(id) => self.haystacks.get(id).is_some_and(|h| h.contains(needle)),
            Node::ServiceAccount(i) => inv.service_accounts.get(i).is_some_and(|sa| {
                [sa.key_id, sa.pub_id]
                    .into_iter()
                    .flatten()
                    .filter_map(|k| inv.keys.get(k))
                    .any(|k| has(k.origin.path()))
            }),
            Node::Problem(i) => inv
                .problems
                .get(i)
                .is_some_and(|p| has(&p.path) || p.message.to_lowercase().contains(needle)),
        }
    }

    /// Problems shown in a node's details, worst first.
    pub fn problems<'a>(&self, inv: &'a Inventory, node: Node) -> Vec<&'a crate::pki::Problem> {
        let own;
        let ids: &[usize] = match node {
            Node::Cert(id) => self.cert_problems.get(id).map_or(&[], Vec::as_slice),
            Node::ServiceAccount(i) => self.sa_problems.get(i).map_or(&[], Vec::as_slice),
            Node::Problem(i) => {
                own = [i];
                &own
            }
            Node::Section(_) => &[],
        };
        let mut out: Vec<_> = ids.iter().filter_map(|&i| inv.problems.get(i)).collect();
        out.sort_by_key(|p| std::cmp::Reverse(p.severity));
        out
    }

    /// Whether a node's own problems reach warning level (the expiry check is separate).
    pub fn has_serious_problem(&self, inv: &Inventory, node: Node) -> bool {
        self.problems(inv, node)
            .iter()
            .any(|p| p.severity >= Severity::Warning)
    }

    /// The node a key names in this inventory, if it is still there.
    pub fn find(&self, inv: &Inventory, key: &NodeKey) -> Option<Node> {
        match key {
            NodeKey::Section(k) => Some(Node::Section(*k)),
            NodeKey::Cert(o) => inv
                .certs
                .iter()
                .position(|c| c.origin == *o)
                .map(Node::Cert),
            NodeKey::ServiceAccount(i) => {
                (*i < inv.service_accounts.len()).then_some(Node::ServiceAccount(*i))
            }
            NodeKey::Problem(path, msg) => inv
                .problems
                .iter()
                .position(|p| p.path == *path && p.message == *msg)
                .map(Node::Problem),
        }
    }

    pub fn key(&self, inv: &Inventory, node: Node) -> NodeKey {
        match node {
            Node::Section(k) => NodeKey::Section(k),
            Node::Cert(id) => NodeKey::Cert(inv.certs[id].origin.clone()),
            Node::ServiceAccount(i) => NodeKey::ServiceAccount(i),
            Node::Problem(i) => {
                let p = &inv.problems[i];
                NodeKey::Problem(p.path.clone(), p.message.clone())
            }
        }
    }
}

/// Which section a certificate with no issuer on disk (a root) belongs in.
fn root_section(inv: &Inventory, id: CertId) -> SectionKind {
    let c = &inv.certs[id];
    let self_signed =
        c.chain == ChainVerdict::SelfSigned || (c.is_self_issued() && c.chain.is_ok());
    if !self_signed {
        return SectionKind::UnknownIssuer;
    }
    match inv.ca_role(id) {
        Some(role) => SectionKind::Ca(role),
        None => SectionKind::OtherCa,
    }
}
