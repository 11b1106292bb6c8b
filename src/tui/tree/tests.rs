use std::collections::HashSet;

use super::*;
use crate::pki::{ChainVerdict, Inventory, Origin, ProblemKind};
use crate::tui::status::Tone;
use crate::tui::testutil::*;

/// Rows as text: sections as `# Title`, certificates indented with their guides.
fn outline(inv: &Inventory, rows: &[Row]) -> Vec<String> {
    rows.iter()
        .map(|r| match r.node {
            Node::Section(k) => format!("# {}", k.title()),
            Node::Cert(id) => {
                let mut s = String::new();
                for d in 1..r.depth {
                    s.push_str(if r.guides & (1 << d) != 0 {
                        "│ "
                    } else {
                        "  "
                    });
                }
                if r.depth > 0 {
                    s.push_str(if r.last { "└ " } else { "├ " });
                }
                s.push_str(&inv.certs[id].display_name());
                if !r.matched {
                    s.push_str(" (context)");
                }
                if r.has_children && !r.expanded {
                    s.push_str(" +");
                }
                s
            }
            Node::ServiceAccount(i) => format!("sa {i}"),
            Node::Problem(i) => format!("problem {}", inv.problems[i].path.display()),
        })
        .collect()
}

fn opts<'a>(collapsed: &'a HashSet<NodeKey>) -> RowOptions<'a> {
    RowOptions {
        filter: "",
        problems_only: false,
        sort_by_expiry: false,
        collapsed,
        now: now(),
    }
}

fn rows_of(inv: &Inventory, o: &RowOptions) -> Vec<String> {
    let forest = Forest::build(inv);
    outline(inv, &build_rows(inv, &forest, o))
}

#[test]
fn each_ca_heads_its_own_section_with_what_it_signed() {
    let inv = kubeadm_like();
    let none = HashSet::new();
    assert_eq!(
        rows_of(&inv, &opts(&none)),
        [
            "# Kubernetes CA",
            "ca",
            "├ admin.conf",
            "└ apiserver",
            "# Front-proxy (request-header) CA",
            "front-proxy-ca",
            "└ front-proxy-client",
            "# etcd CA",
            "etcd-ca",
            "└ etcd-server",
            "# Unknown or unverified issuer",
            "stray.crt",
            "# Files that could not be parsed",
            "problem /pki/broken.crt",
        ]
    );
}

#[test]
fn intermediates_nest_and_guides_follow_siblings() {
    let root = ca("root", "root.crt", 3000);
    let mid = signed(ca("mid", "mid.crt", 2000), 0, &root);
    let mut certs = vec![root.clone(), mid.clone()];
    certs.push(signed(cert("leaf-a", "a.crt", 100), 1, &mid));
    certs.push(signed(cert("leaf-b", "b.crt", 100), 1, &mid));
    certs.push(signed(cert("zz-direct", "z.crt", 100), 0, &root));
    let inv = inventory(certs);
    let none = HashSet::new();
    assert_eq!(
        rows_of(&inv, &opts(&none)),
        [
            "# Other CAs and self-signed",
            "root",
            "├ mid",
            "│ ├ leaf-a",
            "│ └ leaf-b",
            "└ zz-direct",
        ]
    );
}

#[test]
fn collapsing_hides_children_and_sections() {
    let inv = kubeadm_like();
    let forest = Forest::build(&inv);
    let mut collapsed = HashSet::new();
    collapsed.insert(forest.key(&inv, Node::Cert(1)));
    collapsed.insert(NodeKey::Section(SectionKind::Ca(
        crate::pki::CaRole::FrontProxy,
    )));
    let rows = outline(&inv, &build_rows(&inv, &forest, &opts(&collapsed)));
    assert_eq!(
        &rows[..4],
        [
            "# Kubernetes CA",
            "ca +",
            "# Front-proxy (request-header) CA",
            "# etcd CA"
        ]
    );
}

#[test]
fn filter_matches_name_subject_san_and_path_and_keeps_ancestors_as_context() {
    let inv = kubeadm_like();
    let none = HashSet::new();
    let filtered = |f: &str| {
        rows_of(
            &inv,
            &RowOptions {
                filter: f,
                ..opts(&none)
            },
        )
    };
    assert_eq!(
        filtered("etcd-serv"),
        ["# etcd CA", "etcd-ca (context)", "└ etcd-server"]
    );
    assert_eq!(
        filtered("stray.example"),
        ["# Unknown or unverified issuer", "stray.crt"]
    );
    assert_eq!(filtered("etcd/"), ["# etcd CA", "etcd-ca", "└ etcd-server"]);
    assert_eq!(
        filtered("broken"),
        [
            "# Files that could not be parsed",
            "problem /pki/broken.crt"
        ]
    );
    assert!(filtered("no-such-thing").is_empty());
}

#[test]
fn filter_shows_matches_inside_collapsed_branches() {
    let inv = kubeadm_like();
    let forest = Forest::build(&inv);
    let mut collapsed = HashSet::new();
    collapsed.insert(forest.key(&inv, Node::Cert(3)));
    let o = RowOptions {
        filter: "etcd-serv",
        ..opts(&collapsed)
    };
    assert_eq!(outline(&inv, &build_rows(&inv, &forest, &o)).len(), 3);
}

#[test]
fn problems_only_keeps_expiring_broken_and_unverified_items() {
    let inv = kubeadm_like();
    let none = HashSet::new();
    let rows = rows_of(
        &inv,
        &RowOptions {
            problems_only: true,
            ..opts(&none)
        },
    );
    assert_eq!(
        rows,
        [
            "# Kubernetes CA",
            "ca (context)",
            "└ admin.conf",
            "# Front-proxy (request-header) CA",
            "front-proxy-ca (context)",
            "└ front-proxy-client",
            "# etcd CA",
            "etcd-ca (context)",
            "└ etcd-server",
            "# Unknown or unverified issuer",
            "stray.crt",
            "# Files that could not be parsed",
            "problem /pki/broken.crt",
        ]
    );
}

#[test]
fn problems_only_follows_the_clock() {
    let inv = kubeadm_like();
    let none = HashSet::new();
    let later = now() + chrono::Duration::days(350);
    let rows = rows_of(
        &inv,
        &RowOptions {
            problems_only: true,
            now: later,
            ..opts(&none)
        },
    );
    assert!(rows.contains(&"└ apiserver".to_string()), "{rows:?}");
}

#[test]
fn sort_by_expiry_lists_certificates_flat_soonest_first() {
    let inv = kubeadm_like();
    let none = HashSet::new();
    let rows = rows_of(
        &inv,
        &RowOptions {
            sort_by_expiry: true,
            ..opts(&none)
        },
    );
    assert_eq!(
        rows,
        [
            "# All certificates by expiry",
            "admin.conf",
            "etcd-server",
            "front-proxy-client",
            "stray.crt",
            "apiserver",
            "ca",
            "etcd-ca",
            "front-proxy-ca",
            "# Files that could not be parsed",
            "problem /pki/broken.crt",
        ]
    );
}

#[test]
fn an_issuer_loop_is_shown_once_and_does_not_hang() {
    let mut a = cert("a", "a.crt", 100);
    let mut b = cert("b", "b.crt", 100);
    a.issuer_id = Some(1);
    b.issuer_id = Some(0);
    a.chain = ChainVerdict::Verified;
    b.chain = ChainVerdict::Verified;
    let inv = inventory(vec![a, b]);
    let none = HashSet::new();
    assert_eq!(
        rows_of(&inv, &opts(&none)),
        ["# Unknown or unverified issuer", "a", "└ b"]
    );
    let rows = rows_of(
        &inv,
        &RowOptions {
            filter: "b",
            ..opts(&none)
        },
    );
    assert_eq!(rows.last().map(String::as_str), Some("└ b"));
}

#[test]
fn problems_attach_to_their_certificate_and_set_markers() {
    let mut inv = kubeadm_like();
    inv.certs[0].key_match = Some(false);
    inv.problems.push(problem(
        "/pki/etcd/server.crt",
        ProblemKind::WrongCa,
        Some(4),
    ));
    let forest = Forest::build(&inv);
    assert_eq!(
        forest.marks[0],
        Marks {
            chain: false,
            key: true
        }
    );
    assert_eq!(
        forest.marks[4],
        Marks {
            chain: true,
            key: false
        }
    );
    assert!(forest.marks[7].chain, "unknown issuer is a chain problem");
    let p = forest.problems(&inv, Node::Cert(4));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].kind, ProblemKind::WrongCa);
    // Owned problems do not also appear as loose rows.
    let none = HashSet::new();
    let rows = outline(&inv, &build_rows(&inv, &forest, &opts(&none)));
    assert!(!rows.contains(&"# Other problems".to_string()));
}

#[test]
fn keys_survive_a_rescan() {
    let inv = kubeadm_like();
    let forest = Forest::build(&inv);
    let key = forest.key(&inv, Node::Cert(0));
    assert_eq!(
        key,
        NodeKey::Cert(Origin::File {
            path: "/pki/apiserver.crt".into(),
            index: 0
        })
    );
}

/// `kubeadm_like` with a key that does not match apiserver (364 days left).
fn with_broken_apiserver() -> Inventory {
    let mut inv = kubeadm_like();
    inv.problems.push(problem(
        "/pki/apiserver.crt",
        ProblemKind::KeyMismatch,
        Some(0),
    ));
    inv
}

#[test]
fn a_key_that_does_not_match_is_critical_in_tone_problems_only_and_sort() {
    let inv = with_broken_apiserver();
    let forest = Forest::build(&inv);
    assert_eq!(forest.tone(&inv, 0, now()), Tone::Critical, "apiserver");
    assert_eq!(forest.tone(&inv, 1, now()), Tone::Ok, "ca");
    let none = HashSet::new();
    let problems = rows_of(
        &inv,
        &RowOptions {
            problems_only: true,
            ..opts(&none)
        },
    );
    assert!(
        problems.contains(&"└ apiserver".to_string()),
        "{problems:?}"
    );
    let sorted = rows_of(
        &inv,
        &RowOptions {
            sort_by_expiry: true,
            ..opts(&none)
        },
    );
    // Critical (expired, 5 days, broken with a year left), then the warning, then the rest.
    assert_eq!(
        sorted[..6],
        [
            "# All certificates by expiry",
            "admin.conf",
            "etcd-server",
            "apiserver",
            "front-proxy-client",
            "stray.crt",
        ]
    );
}

#[test]
fn a_folded_node_says_the_worst_it_hides() {
    let inv = with_broken_apiserver();
    let forest = Forest::build(&inv);
    let mut collapsed = HashSet::new();
    // ca hides admin.conf (expired) and apiserver (critical: its key).
    collapsed.insert(forest.key(&inv, Node::Cert(1)));
    collapsed.insert(NodeKey::Section(SectionKind::Ca(
        crate::pki::CaRole::FrontProxy,
    )));
    collapsed.insert(forest.key(&inv, Node::Cert(3)));
    let rows = build_rows(&inv, &forest, &opts(&collapsed));
    let row = |node: Node| *rows.iter().find(|r| r.node == node).expect("row");
    let hidden = |tone, count| Some(Hidden { tone, count });
    assert_eq!(row(Node::Cert(1)).hidden, hidden(Tone::Expired, 1));
    assert_eq!(row(Node::Cert(3)).hidden, hidden(Tone::Critical, 1));
    assert_eq!(
        row(Node::Section(SectionKind::Ca(
            crate::pki::CaRole::FrontProxy
        )))
        .hidden,
        hidden(Tone::Warning, 1),
        "a folded section counts its CA and everything under it"
    );
    let open = HashSet::new();
    let rows = build_rows(&inv, &forest, &opts(&open));
    assert!(rows.iter().all(|r| r.hidden.is_none()), "nothing is hidden");
    // A fold over healthy certificates has nothing to say.
    let healthy = kubeadm_like();
    let forest = Forest::build(&healthy);
    let mut collapsed = HashSet::new();
    collapsed.insert(NodeKey::Section(SectionKind::UnknownIssuer));
    let rows = build_rows(&healthy, &forest, &opts(&collapsed));
    let section = rows
        .iter()
        .find(|r| r.node == Node::Section(SectionKind::UnknownIssuer))
        .expect("section");
    assert_eq!(section.hidden, None);
}
