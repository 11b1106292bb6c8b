//! Renewal from the UI: `r` shows the plan and changes nothing until `y`; then the files are
//! renewed, a report and a banner name the components to restart, and the tree is rescanned.

use crossterm::event::KeyCode;
use kcert::pki::Status;
use kcert::tui::action::{Cmd, Msg};
use kcert::tui::app::Overlay;

use crate::common::now;
use crate::util::{demo_tree, key, keys, perform_one, scanned_app, screen};

fn bytes(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn r_shows_the_plan_and_y_renews_then_rescans() {
    let dir = demo_tree();
    let crt = dir.path().join("etc/kubernetes/pki/apiserver.crt");
    let before = bytes(&crt);
    let mut app = scanned_app(dir.path(), 100, 30, false);
    keys(&mut app, "/apiserver");
    key(&mut app, KeyCode::Enter);

    // r: a plan is asked for in the background; nothing is written.
    let plan_cmd = app.update(msg_key('r')).expect("r asks for a plan");
    assert!(matches!(plan_cmd, Cmd::PlanRenew { .. }));
    assert!(app.update(perform_one(plan_cmd)).is_none());
    let s = screen(&app, 100, 30, dir.path());
    snapshot!("renew_confirmation", s);
    assert_eq!(bytes(&crt), before, "planning writes nothing");

    // n cancels; nothing was written.
    keys(&mut app, "n");
    assert!(app.overlays.is_empty());
    assert_eq!(bytes(&crt), before);

    // r again, then y.
    let cmd = app.update(msg_key('r')).expect("plan");
    app.update(perform_one(cmd));
    let apply = app.update(msg_key('y')).expect("y applies");
    assert!(matches!(apply, Cmd::ApplyRenew(_)));
    let rescan = app
        .update(perform_one(apply))
        .expect("a rescan follows the renewal");
    let (tone_text, report) = (
        app.pki.banner.clone().expect("banner").1,
        screen(&app, 100, 30, dir.path()),
    );
    assert!(
        tone_text.contains("now restart kube-apiserver"),
        "{tone_text}"
    );
    assert!(
        report.contains("apiserver renewed") && report.contains("Backups:"),
        "{report}"
    );
    assert_ne!(bytes(&crt), before, "apiserver.crt was renewed");
    app.update(perform_one(rescan));
    let d = app.pki.data.as_ref().unwrap();
    let c = d
        .inv
        .certs
        .iter()
        .find(|c| c.kubeadm_name.as_deref() == Some("apiserver"))
        .unwrap();
    assert_eq!(c.status, Status::Ok);
    assert_eq!((c.not_after - now()).num_days(), 365);
    key(&mut app, KeyCode::Esc);
    assert!(!app.overlays.iter().any(|o| matches!(o, Overlay::Dialog(_))));
    assert!(
        screen(&app, 100, 30, dir.path()).contains("now restart kube-apiserver"),
        "the banner stays"
    );
}

#[test]
fn r_on_a_ca_offers_its_renewal_with_its_own_key() {
    let dir = demo_tree();
    let crt = dir.path().join("etc/kubernetes/pki/etcd/ca.crt");
    let key_file = dir.path().join("etc/kubernetes/pki/etcd/ca.key");
    let (before, key_before) = (bytes(&crt), bytes(&key_file));
    let mut app = scanned_app(dir.path(), 100, 30, false);
    keys(&mut app, "/etcd-ca");
    key(&mut app, KeyCode::Enter);
    let cmd = app.update(msg_key('r')).expect("plan");
    app.update(perform_one(cmd));
    let s = screen(&app, 100, 30, dir.path());
    assert!(
        s.contains("etcd-ca: a CA, self-signed") && s.contains("Press y to renew"),
        "{s}"
    );
    assert_eq!(bytes(&crt), before, "planning writes nothing");
    let apply = app.update(msg_key('y')).expect("y applies");
    app.update(perform_one(apply));
    assert_ne!(bytes(&crt), before, "the CA was re-signed");
    assert_eq!(bytes(&key_file), key_before, "with its own key");
    let banner = app.pki.banner.clone().expect("banner").1;
    assert!(banner.contains("etcd"), "{banner}");
}

fn msg_key(c: char) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    ))
}

/// Press `c`, check the command it asks for with `expected`, carry it out, and return the
/// report it opens: (title, text).
fn report_after(
    app: &mut kcert::tui::App,
    c: char,
    expected: fn(&Cmd) -> bool,
) -> (String, String) {
    let cmd = app
        .update(msg_key(c))
        .unwrap_or_else(|| panic!("{c} asks for nothing"));
    assert!(expected(&cmd), "{c} asked for {cmd:?}");
    assert!(app.update(perform_one(cmd)).is_none());
    let Some(Overlay::Dialog(d)) = app.overlays.last() else {
        panic!("no report: {:?}", app.overlays)
    };
    let text: Vec<&str> = d.lines.iter().map(|(_, l)| l.as_str()).collect();
    (d.title.clone(), text.join("\n"))
}

/// Renew apiserver from the UI up to its report, and the rescan it asks for.
fn renew_apiserver(app: &mut kcert::tui::App) {
    keys(app, "/apiserver");
    key(app, KeyCode::Enter);
    let cmd = app.update(msg_key('r')).expect("plan");
    app.update(perform_one(cmd));
    let apply = app.update(msg_key('y')).expect("y applies");
    if let Some(rescan) = app.update(perform_one(apply)) {
        app.update(perform_one(rescan));
    }
}

#[test]
fn shift_u_in_the_renewal_report_shows_the_files_then_puts_them_back() {
    let dir = demo_tree();
    let pki = dir.path().join("etc/kubernetes/pki");
    let (crt, key_file) = (pki.join("apiserver.crt"), pki.join("apiserver.key"));
    let before = (bytes(&crt), bytes(&key_file));
    let mut app = scanned_app(dir.path(), 100, 30, false);
    renew_apiserver(&mut app);
    assert_ne!(bytes(&crt), before.0);
    let s = screen(&app, 100, 30, dir.path());
    assert!(s.contains("Press U to undo"), "{s}");

    // U: the plan first, nothing written.
    let plan = app.update(msg_key('U')).expect("U plans the undo");
    assert!(matches!(plan, Cmd::PlanRestore { .. }));
    assert!(app.update(perform_one(plan)).is_none());
    let s = screen(&app, 100, 30, dir.path());
    assert!(
        s.contains("Undo the renewal")
            && s.contains("put back [root]/etc/kubernetes/pki/apiserver.key"),
        "{s}"
    );
    assert_ne!(bytes(&crt), before.0, "planning the undo writes nothing");

    let apply = app.update(msg_key('y')).expect("y restores");
    assert!(matches!(apply, Cmd::ApplyRestore(_)));
    let rescan = app.update(perform_one(apply));
    assert!(rescan.is_some(), "a rescan follows the undo");
    assert_eq!(
        (bytes(&crt), bytes(&key_file)),
        before,
        "the old pair is back"
    );
    let banner = app.pki.banner.clone().expect("banner").1;
    assert!(banner.contains("Renewal undone"), "{banner}");
}

#[test]
fn a_renewal_while_another_kcert_holds_the_lock_says_who_and_changes_nothing() {
    let dir = demo_tree();
    let crt = dir.path().join("etc/kubernetes/pki/apiserver.crt");
    let before = bytes(&crt);
    let held = kcert::fsx::lock::acquire(
        &dir.path().join("etc/kubernetes/tmp"),
        std::time::Duration::ZERO,
    )
    .unwrap();
    let mut app = scanned_app(dir.path(), 100, 30, false);
    renew_apiserver(&mut app);
    drop(held);
    assert_eq!(bytes(&crt), before);
    let s = screen(&app, 100, 30, dir.path());
    assert!(
        s.contains("another kcert is changing these files")
            && s.contains(&format!("pid {}", std::process::id())),
        "{s}"
    );
    let banner = app.pki.banner.clone().expect("banner").1;
    assert_eq!(banner, "Renewal refused; nothing was changed.");
}

/// On a k3s node `r` names k3s's command for that certificate and offers nothing to confirm:
/// k3s renews its own files.
#[test]
fn r_on_a_k3s_certificate_shows_k3s_command_and_writes_nothing() {
    let dir = crate::common::fixed_temp_dir("kcert-tui-");
    let layout = kcert::demo::write_rancher_tree(
        dir.path(),
        &kcert::demo::demo_rancher_spec(now(), kcert::pki::distro::Distribution::K3s),
    )
    .expect("k3s tree");
    let crt = layout.tls.join("client-controller.crt");
    let before = bytes(&crt);
    let mut app = scanned_app(dir.path(), 100, 30, false);
    keys(&mut app, "/client-controller");
    key(&mut app, KeyCode::Enter);
    let plan_cmd = app.update(msg_key('r')).expect("r asks for a plan");
    assert!(app.update(perform_one(plan_cmd)).is_none());
    let s = screen(&app, 100, 30, dir.path());
    assert!(
        s.contains("k3s certificate rotate --service controller-manager"),
        "{s}"
    );
    assert!(s.contains("Nothing was changed"), "{s}");
    assert!(app.update(msg_key('y')).is_none(), "nothing to confirm");
    assert_eq!(bytes(&crt), before);
}

/// The demo node with its front-proxy CA 200 days from its end.
fn front_proxy_ca_ending_in_200_days() -> tempfile::TempDir {
    let dir = crate::common::fixed_temp_dir("kcert-tui-");
    let mut spec = kcert::demo::demo_spec(now());
    spec.faults = kcert::demo::Faults {
        days_left: vec![("front-proxy-ca".into(), 200)],
        ..Default::default()
    };
    kcert::demo::write_kubeadm_tree(dir.path(), &spec).unwrap();
    dir
}

#[test]
fn the_header_warns_of_a_ca_within_a_year() {
    let dir = front_proxy_ca_ending_in_200_days();
    let app = scanned_app(dir.path(), 120, 30, false);
    let s = screen(&app, 120, 30, dir.path());
    let header = s.lines().nth(1).unwrap_or_default();
    assert!(header.contains("CA front-proxy-ca ends in 200d"), "{s}");
    let healthy = demo_tree();
    let app = scanned_app(healthy.path(), 120, 30, false);
    let s = screen(&app, 120, 30, healthy.path());
    assert!(!s.contains("ends in"), "{s}");
}

/// A CA's details say how long until its wall and which leaves it already cuts short; `P`
/// opens its plan (worked out off the UI thread), and on a leaf `P` only says what to select.
#[test]
fn a_ca_near_its_wall_shows_what_it_caps_and_p_opens_its_plan() {
    let dir = front_proxy_ca_ending_in_200_days();
    let mut app = scanned_app(dir.path(), 80, 24, false);
    keys(&mut app, "/front-proxy-client");
    key(&mut app, KeyCode::Enter);
    assert!(app.update(msg_key('P')).is_none(), "a leaf has no CA plan");
    assert!(
        app.notice
            .as_deref()
            .unwrap_or_default()
            .contains("select a CA"),
        "{:?}",
        app.notice
    );

    key(&mut app, KeyCode::Esc);
    keys(&mut app, "/front-proxy-ca");
    key(&mut app, KeyCode::Enter);
    let s = screen(&app, 80, 24, dir.path());
    assert!(s.contains("Wall") && s.contains("! 200d (on"), "{s}");
    assert!(s.contains("1 leaf ends with it"), "{s}");
    snapshot!("details_of_a_ca_near_its_wall", s);

    let (title, text) = report_after(&mut app, 'P', |cmd| matches!(cmd, Cmd::PlanCa { .. }));
    assert!(title.contains("front-proxy-ca"), "{title}");
    assert!(
        text.contains("Leaves it already caps") && text.contains("front-proxy-client"),
        "{text}"
    );
    assert!(text.contains("Steps"), "{text}");
}

/// A healthy CA far from its wall: the time left, no warning mark, and `r` offered.
#[test]
fn a_ca_with_its_key_offers_r_and_p_in_its_details() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), 100, 30, false);
    keys(&mut app, "/etcd-ca");
    key(&mut app, KeyCode::Enter);
    let s = screen(&app, 100, 30, dir.path());
    assert!(s.contains("r renew with its key · P plan"), "{s}");
    assert!(!s.contains("Wall     !"), "{s}");
}

/// `x` lays the certificate out like `openssl x509 -text`, read again from its file off the
/// UI thread (the scan let the verified leaf's DER go); a file replaced since the scan says so.
#[test]
fn x_shows_the_certificate_as_text_and_a_replaced_file_says_so() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), 80, 24, false);
    keys(&mut app, "/apiserver-kubelet-client");
    key(&mut app, KeyCode::Enter);
    let text_of =
        |app: &mut kcert::tui::App| report_after(app, 'x', |c| matches!(c, Cmd::ShowText { .. }));
    let (title, text) = text_of(&mut app);
    assert!(title.contains("openssl x509 -text"), "{title}");
    assert!(
        text.contains("CN = kube-apiserver-kubelet-client"),
        "{text}"
    );
    assert!(text.contains("Signature Algorithm"), "{text}");

    key(&mut app, KeyCode::Esc);
    let pki = dir.path().join("etc/kubernetes/pki");
    std::fs::copy(
        pki.join("apiserver.crt"),
        pki.join("apiserver-kubelet-client.crt"),
    )
    .unwrap();
    let (_, text) = text_of(&mut app);
    assert!(text.contains("no longer holds this certificate"), "{text}");
}
