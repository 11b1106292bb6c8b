//! The nodes tab (`4`): the fleet's rows as they arrive, worst first, at 80x24 and 60x16 in
//! NO_COLOR; Enter opens a node's tree read-only in the local tab's view, whose renewal keys
//! then say where renewal happens; and a local scan finishing meanwhile lands in the local tab.

use std::path::Path;
use std::sync::Arc;

use crossterm::event::KeyCode;
use kcert::cluster::{Access, Locations};
use kcert::demo::Faults;
use kcert::fleet::{NodeRow, NodeState, Report};
use kcert::report::{write_json_with, Extras};
use kcert::sign::KeySpec;
use kcert::tui::action::{Cmd, FleetEvent, Msg};
use kcert::tui::{App, ClusterOptions, TuiOptions};
use tempfile::TempDir;

use crate::common::{node_spec, now, scan_at, write_tree};
use crate::util::{draw, key, options, perform_one};

/// A node's report, as its `kcert serve` would answer `/report`.
fn report(dir: &Path) -> Report {
    let inv = scan_at(dir, now());
    let extras = Extras {
        exit_code: 0,
        usage: None,
        probes: None,
        settings: None,
    };
    let mut json = Vec::new();
    write_json_with(&inv, &extras, &mut json).unwrap();
    serde_json::from_slice(&json).expect("a report reads back")
}

fn reported(node: &str, role: &str, dir: &Path) -> NodeRow {
    let r = report(dir);
    NodeRow {
        node: node.into(),
        role: Some(role.into()),
        pod: Some(format!("kcert-{node}")),
        state: NodeState::Reported {
            summary: r.summary(now()),
        },
        report: Some(Arc::new(r)),
    }
}

struct Fleet {
    trees: Vec<TempDir>,
    rows: Vec<NodeRow>,
}

/// cp-1 with an apiserver certificate expired 3 days ago, w-1 healthy, w-2 whose kcert is
/// down, w-3 without a kcert pod.
fn fleet() -> Fleet {
    let made = now() - chrono::Duration::days(10);
    let expired = Faults {
        days_left: vec![("apiserver".into(), 7)],
        ..Faults::default()
    };
    let (cp, _) = write_tree(&node_spec(made, KeySpec::EcdsaP256, "10.0.0.11", expired));
    let (w1, _) = write_tree(&node_spec(
        made,
        KeySpec::EcdsaP256,
        "10.0.0.21",
        Faults::default(),
    ));
    let rows = vec![
        reported("cp-1", "control-plane", cp.path()),
        reported("w-1", "worker", w1.path()),
        NodeRow {
            node: "w-2".into(),
            role: Some("worker".into()),
            pod: Some("kcert-w-2".into()),
            state: NodeState::Unreachable {
                error: "HTTP 503: error trying to reach service: dial tcp 10.0.0.22:9793: connect: connection refused".into(),
            },
            report: None,
        },
        NodeRow {
            node: "w-3".into(),
            role: Some("worker".into()),
            pod: None,
            state: NodeState::NotCovered,
            report: None,
        },
    ];
    Fleet {
        trees: vec![cp, w1],
        rows,
    }
}

/// An app on a `w`x`h` terminal with its local tree scanned, the nodes tab shown and the
/// fleet's rows in, the way the loop delivers them.
fn app_on_nodes(local: &Path, fleet: &Fleet, w: u16, h: u16) -> App {
    let opts = TuiOptions {
        cluster: Some(ClusterOptions {
            access: Access::default(),
            locations: Locations::isolated("/nonexistent/kcert"),
        }),
        ..options(local, false)
    };
    let mut app = App::new("cp-1", &opts, now());
    app.update(Msg::Resize(w, h));
    let scan = app.request_scan().expect("a scan");
    app.update(perform_one(scan));
    let cmd = app.update(Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('4'),
        crossterm::event::KeyModifiers::NONE,
    )));
    let Some(Cmd::FetchFleet { generation, .. }) = cmd else {
        panic!("showing the tab fetches the fleet: {cmd:?}");
    };
    let listed: Vec<NodeRow> = fleet
        .rows
        .iter()
        .map(|r| match r.state {
            NodeState::Reported { .. } | NodeState::Unreachable { .. } => NodeRow {
                state: NodeState::Fetching,
                report: None,
                ..r.clone()
            },
            _ => r.clone(),
        })
        .collect();
    let fleet_msg = |event| Msg::Fleet { generation, event };
    app.update(fleet_msg(FleetEvent::Listed {
        rows: listed,
        note: None,
    }));
    for r in fleet
        .rows
        .iter()
        .filter(|r| !matches!(r.state, NodeState::NotCovered))
    {
        app.update(fleet_msg(FleetEvent::Node(Box::new(r.clone()))));
    }
    app.update(fleet_msg(FleetEvent::Done));
    app
}

fn text(app: &App, w: u16, h: u16, fleet: &Fleet) -> String {
    let mut s = draw(app, w, h).backend().to_string();
    for t in &fleet.trees {
        s = s.replace(&t.path().display().to_string(), "[node]");
    }
    s
}

#[test]
fn the_fleet_worst_first_at_80x24_and_60x16() {
    let fleet = fleet();
    let local = crate::util::demo_tree();
    for (w, h) in [(80, 24), (60, 16)] {
        let app = app_on_nodes(local.path(), &fleet, w, h);
        let s = text(&app, w, h, &fleet);
        let order: Vec<usize> = ["cp-1", "w-2", "w-3", "w-1"]
            .iter()
            .map(|n| {
                s.find(&format!("┃{n} "))
                    .unwrap_or_else(|| panic!("{n}:\n{s}"))
            })
            .collect();
        assert!(order.windows(2).all(|p| p[0] < p[1]), "worst first:\n{s}");
        snapshot!(format!("nodes_{w}x{h}"), s);
    }
}

#[test]
fn enter_opens_a_node_read_only_and_its_renewal_keys_say_where_renewal_happens() {
    let fleet = fleet();
    let local = crate::util::demo_tree();
    let mut app = app_on_nodes(local.path(), &fleet, 80, 24);
    key(&mut app, KeyCode::Enter);
    let s = text(&app, 80, 24, &fleet);
    assert!(s.contains("cp-1's certificates, read-only"), "{s}");
    assert!(s.contains("apiserver"), "{s}");
    snapshot!("nodes_open_cp1_80x24", s);
    // The tree is cp-1's: its roots, not this node's.
    assert_eq!(app.pki.roots(), [fleet.trees[0].path().to_path_buf()]);
    for k in ['r', 'R', 'S', 'e'] {
        app.notice = None;
        let cmd = app.update(Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char(k),
            crossterm::event::KeyModifiers::NONE,
        )));
        assert!(cmd.is_none(), "{k} does nothing to cp-1 from here");
        let notice = app.notice.clone().unwrap_or_default();
        assert!(
            notice.contains("read-only") && notice.contains("cp-1"),
            "{k}: {notice}"
        );
    }
    // A scan of this node that finishes meanwhile is this node's.
    let scan = {
        let mut local_app = App::new("cp-1", &options(local.path(), false), now());
        local_app.request_scan().unwrap()
    };
    app.update(perform_one(scan));
    assert_eq!(
        app.pki.roots(),
        [fleet.trees[0].path().to_path_buf()],
        "still cp-1's"
    );
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(
        app.pki.roots(),
        [local.path().to_path_buf()],
        "1: this node again"
    );
    assert!(app.remote_node().is_none());
    assert!(!text(&app, 80, 24, &fleet).contains("cp-1's certificates"));
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert!(
        app.notice
            .as_deref()
            .unwrap_or("")
            .contains("connection refused"),
        "an unreachable node says why: {:?}",
        app.notice
    );
    assert!(app.remote_node().is_none());
}
