//! `docs/check.schema.json` against real `kcert check --output json` documents (generated
//! kubeadm, k3s and MicroK8s nodes, probed and not, and the real public fixtures), and
//! `docs/json.md`'s field tables against the schema.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jsonschema::Validator;
use kcert::demo::Faults;
use kcert::sign::KeySpec;
use serde_json::Value;

use crate::common::{
    fixture_trees, json, kcert, kcert_cmd, node_spec, now, real_fixtures, text, write_tree,
};

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")
}

fn schema() -> Value {
    let path = docs().join("check.schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn validator() -> Validator {
    jsonschema::draft202012::new(&schema()).expect("docs/check.schema.json is a valid schema")
}

/// Every way `doc` breaks the schema, one line each.
fn violations(v: &Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn assert_valid(v: &Validator, doc: &Value, what: &str) {
    let errors = violations(v, doc);
    assert!(
        errors.is_empty(),
        "{what}: `kcert check --output json` does not match docs/check.schema.json:\n{}",
        errors.join("\n")
    );
}

/// `kcert check --output json` on `args` (at the fixtures' clock).
fn check_json(args: &[&str]) -> Value {
    let mut all = vec!["check", "--output", "json"];
    all.extend_from_slice(args);
    json(&kcert(now(), &all))
}

/// A kubeadm node with every planted fault the demo knows: expired, critical and warning
/// leaves, the wrong CA, keys that do not match, a broken `sa` pair.
fn faulty_kubeadm() -> (tempfile::TempDir, PathBuf) {
    let faults = Faults {
        days_left: vec![
            ("apiserver".into(), -3),
            ("etcd-peer".into(), 2),
            ("scheduler.conf".into(), 20),
        ],
        wrong_ca: vec!["front-proxy-client".into()],
        key_mismatch: vec!["apiserver-etcd-client".into()],
        sa_mismatch: true,
    };
    let spec = node_spec(now(), KeySpec::EcdsaP256, "10.0.0.10", faults);
    let (dir, layout) = write_tree(&spec);
    (dir, layout.root)
}

/// `kcert demo --no-tui --layout LAYOUT` into a new temp dir.
fn demo(layout: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = kcert(
        now(),
        &[
            "demo",
            "--no-tui",
            "--layout",
            layout,
            "--dir",
            dir.path().to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "demo --layout {layout}: {}",
        text(&out)
    );
    dir
}

#[test]
fn check_json_on_generated_nodes_matches_the_schema() {
    let v = validator();
    let (_tree, root) = faulty_kubeadm();
    let root = root.to_str().unwrap();
    let doc = check_json(&[root]);
    assert_valid(&v, &doc, "kubeadm with planted faults");
    // What the schema constrains is there to be checked: every object kind appears.
    assert_eq!(doc["exit_code"], 2, "planted faults are critical");
    assert!(doc["node_settings"]["signing"]["signers"][0].is_object());
    assert!(doc["node_settings"]["aggregator"].is_object());
    let kinds: BTreeSet<&str> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["kind"].as_str())
        .collect();
    for kind in ["expiry", "wrong_ca", "key_mismatch", "service_account"] {
        assert!(kinds.contains(kind), "no {kind} problem in {kinds:?}");
    }

    // Probed (nothing of this tree listens, so every endpoint answers "not listening" or is
    // someone else's): `served` is an array of the documented objects.
    let probed = check_json(&[root, "--probe", "--probe-timeout", "300"]);
    assert_valid(&v, &probed, "kubeadm, --probe");
    let served: Vec<&Value> = probed["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["served"].as_array())
        .flatten()
        .collect();
    assert!(!served.is_empty(), "--probe fills `served`");

    for layout in ["kubeadm", "k3s", "microk8s"] {
        let dir = demo(layout);
        let doc = check_json(&[dir.path().to_str().unwrap()]);
        assert_valid(&v, &doc, &format!("kcert demo --layout {layout}"));
        assert_eq!(doc["distribution"], layout);
    }
}

#[test]
fn check_json_on_an_empty_root_and_a_relative_path_matches_the_schema() {
    let v = validator();
    let empty = tempfile::tempdir().unwrap();
    let doc = check_json(&[empty.path().to_str().unwrap()]);
    assert_valid(&v, &doc, "an empty root");
    assert_eq!(doc["exit_code"], 3, "nothing found is not fine");

    // A relative PATH still gives absolute paths everywhere.
    let (tree, _) = faulty_kubeadm();
    let out = kcert_cmd(now())
        .current_dir(tree.path())
        .args(["check", "--output", "json", "."])
        .output()
        .unwrap();
    assert_valid(&v, &json(&out), "a relative root");
}

#[test]
fn check_json_on_the_real_fixtures_matches_the_schema() {
    let fixtures = real_fixtures!();
    let v = validator();
    let mut trees = 0;
    let mut certificates = 0;
    for path in fixture_trees(&fixtures) {
        let doc = check_json(&[path.to_str().unwrap()]);
        assert_valid(&v, &doc, &path.display().to_string());
        trees += 1;
        certificates += doc["certificates"].as_array().map_or(0, Vec::len);
    }
    assert!(
        trees >= 10 && certificates >= 100,
        "{trees} trees, {certificates} certificates"
    );
}

#[test]
fn the_schema_fails_a_document_with_a_field_added_renamed_or_a_new_word() {
    let v = validator();
    let (_tree, root) = faulty_kubeadm();
    let doc = check_json(&[root.to_str().unwrap()]);
    assert_valid(&v, &doc, "the document as printed");

    let broken = |what: &str, change: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        change(&mut d);
        assert!(
            !violations(&v, &d).is_empty(),
            "the schema accepts a document with {what}"
        );
    };
    broken("a new top-level field", &|d| {
        d["extra"] = Value::Bool(true);
    });
    broken("a certificate field added", &|d| {
        d["certificates"][0]["extra"] = Value::Null;
    });
    broken("a certificate field renamed", &|d| {
        let c = d["certificates"][0].as_object_mut().unwrap();
        let health = c.remove("health").unwrap();
        c.insert("healthy".into(), health);
    });
    broken("a new status word", &|d| {
        d["certificates"][0]["status"] = "fine".into();
    });
    broken("a relative path", &|d| {
        d["certificates"][0]["path"] = "etc/kubernetes/pki/ca.crt".into();
    });
    broken("a new problem kind", &|d| {
        d["problems"][0]["kind"] = "misc".into();
    });
    broken("a signer field added", &|d| {
        d["node_settings"]["signing"]["signers"][0]["extra"] = 1.into();
    });
    broken("an exit code past 3", &|d| {
        d["exit_code"] = 4.into();
    });
}

/// The field names of each `<!-- schema: NAME -->` table in `markdown`.
fn doc_tables(markdown: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut tables = BTreeMap::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line
            .trim()
            .strip_prefix("<!-- schema: ")
            .and_then(|r| r.strip_suffix(" -->"))
        else {
            continue;
        };
        let fields: BTreeSet<String> = lines
            .by_ref()
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .filter_map(|row| {
                let cell = row.split('|').nth(1)?.trim();
                Some(cell.trim_matches('`').to_string())
            })
            .collect();
        assert!(
            tables.insert(name.to_string(), fields).is_none(),
            "docs/json.md: two tables for {name}"
        );
    }
    tables
}

/// The property names of each object in the schema's `$defs` (of every branch of a `oneOf`).
fn schema_objects(schema: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let props = |def: &Value| -> BTreeSet<String> {
        def["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    };
    schema["$defs"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(name, def)| {
            let mut fields = props(def);
            for branch in def["oneOf"].as_array().into_iter().flatten() {
                fields.extend(props(branch));
            }
            (!fields.is_empty()).then(|| (name.clone(), fields))
        })
        .collect()
}

#[test]
fn docs_json_md_lists_exactly_the_schema_fields() {
    let path = docs().join("json.md");
    let markdown = std::fs::read_to_string(&path).expect("docs/json.md");
    let documented = doc_tables(&markdown);
    let schema = schema_objects(&schema());
    assert!(schema.len() >= 15, "{:?}", schema.keys());
    let names: BTreeSet<&String> = documented.keys().chain(schema.keys()).collect();
    let mut differences = Vec::new();
    for name in names {
        let empty = BTreeSet::new();
        let doc = documented.get(name).unwrap_or(&empty);
        let sch = schema.get(name).unwrap_or(&empty);
        let only_doc: Vec<_> = doc.difference(sch).collect();
        let only_schema: Vec<_> = sch.difference(doc).collect();
        if !only_doc.is_empty() || !only_schema.is_empty() {
            differences.push(format!(
                "{name}: only in docs/json.md {only_doc:?}, only in the schema {only_schema:?}"
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "docs/json.md and docs/check.schema.json disagree:\n{}",
        differences.join("\n")
    );
}
