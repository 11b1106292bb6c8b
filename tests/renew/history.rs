//! The renewal history read back: what each renewal replaced, with its times, also from
//! records written before those times were recorded (read from the renewal's backup).

use kcert::demo::Faults;
use kcert::renew::history::replaced;
use kcert::sign::KeySpec;

use crate::common::{scan_at, text};
use crate::util::{later, renew, tree};

#[test]
fn the_history_remembers_what_a_renewal_replaced() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let before = scan_at(&layout.root, later());
    let old = before
        .certs
        .iter()
        .find(|c| c.kubeadm_name.as_deref() == Some("apiserver"))
        .unwrap();
    let out = renew(&layout, &["apiserver", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let journal = layout.etc_kubernetes.join("tmp/kcert-journal.jsonl");
    let got = replaced(&journal);
    assert_eq!(got.len(), 1, "{got:#?}");
    let r = &got[0];
    assert_eq!(
        (r.what.as_str(), &r.path, &r.serial),
        ("apiserver", &layout.pki.join("apiserver.crt"), &old.serial)
    );
    assert_eq!(
        (r.not_before, r.not_after),
        (Some(old.not_before), Some(old.not_after))
    );
    assert_eq!(r.replaced_at, later());

    // A record from before the times were recorded: they come from the backup.
    let lines = std::fs::read_to_string(&journal).unwrap();
    let mut out = String::new();
    let mut stripped = 0;
    for line in lines.lines() {
        let mut record: serde_json::Value = serde_json::from_str(line).unwrap();
        let fields = record.as_object_mut().unwrap();
        if fields.get("action").and_then(|a| a.as_str()) == Some("renew") {
            fields.remove("old_not_after");
            fields.remove("old_not_before");
            stripped += 1;
        }
        out += &format!("{record}\n");
    }
    assert_eq!(stripped, 1, "one renew record in {lines}");
    std::fs::write(&journal, out).unwrap();
    assert_eq!(replaced(&journal), got);
    assert!(replaced(&layout.root.join("no-such-journal")).is_empty());
}
