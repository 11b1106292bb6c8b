//! Files generated from the code and kept in the repository: the man pages and shell
//! completions in `assets/` (from the clap definitions) and the key tables of `docs/tui.md`
//! (from the key map). The tests fail when one is stale and say how to regenerate everything:
//!
//! ```sh
//! UPDATE_ASSETS=1 cargo test --bin kcert assets
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use kcert::tui::keymap::{keys_label, Context, BINDINGS};

use crate::cli::Cli;

const REGENERATE: &str = "UPDATE_ASSETS=1 cargo test --bin kcert assets";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("UPDATE_ASSETS").is_some_and(|v| v == "1")
}

/// `kcert.1` and a page per command (`kcert-renew.1`, `kcert-csr-list.1`, ...), by file name.
fn man_pages() -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().expect("temp dir");
    clap_mangen::generate_to(Cli::command(), dir.path()).expect("man pages");
    read_dir(dir.path())
}

/// The completion scripts, by the file name each shell looks for.
fn completions() -> BTreeMap<String, Vec<u8>> {
    [
        (Shell::Bash, "kcert.bash"),
        (Shell::Zsh, "_kcert"),
        (Shell::Fish, "kcert.fish"),
    ]
    .into_iter()
    .map(|(shell, file)| {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "kcert", &mut buf);
        (file.to_string(), buf)
    })
    .collect()
}

fn read_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("read asset"))
        })
        .collect()
}

/// Compare `dir` with what the code makes, file by file; rewrite it when updating.
fn check_dir(dir: PathBuf, want: BTreeMap<String, Vec<u8>>) {
    if updating() {
        if dir.is_dir() {
            std::fs::remove_dir_all(&dir).expect("clear assets");
        }
        std::fs::create_dir_all(&dir).expect("assets dir");
        for (name, bytes) in &want {
            std::fs::write(dir.join(name), bytes).expect("write asset");
        }
        return;
    }
    let have = read_dir(&dir);
    let stale: std::collections::BTreeSet<&String> = want
        .keys()
        .chain(have.keys())
        .filter(|name| want.get(*name) != have.get(*name))
        .collect();
    assert!(
        stale.is_empty(),
        "{} is stale ({}): the command line changed; regenerate with `{REGENERATE}`",
        dir.display(),
        stale
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

#[test]
fn man_pages_are_generated_from_the_command_line() {
    let pages = man_pages();
    assert!(pages.contains_key("kcert.1") && pages.contains_key("kcert-renew.1"));
    check_dir(repo().join("assets/man"), pages);
}

#[test]
fn completions_are_generated_from_the_command_line() {
    let scripts = completions();
    let bash = String::from_utf8_lossy(&scripts["kcert.bash"]).into_owned();
    assert!(bash.contains("--expiring"), "renew's flags complete");
    check_dir(repo().join("assets/completions"), scripts);
}

/// The key tables of [`KEY_DOC`]: `<!-- keys: NAME -->` ... `<!-- end keys -->`.
const TABLES: [(&str, &[Context]); 3] = [
    (
        "local",
        &[
            Context::Always,
            Context::Tabs,
            Context::Main,
            Context::Panes,
            Context::Tree,
            Context::Timeline,
            Context::Nav,
            Context::Filter,
        ],
    ),
    ("csr", &[Context::Csr]),
    ("tokens", &[Context::Tokens]),
];

/// A markdown table of the bindings of `contexts`, in the key map's order, each context's
/// name on its first row.
fn key_table(contexts: &[Context]) -> String {
    let mut out = String::from("| key | where | what it does |\n| --- | --- | --- |\n");
    let mut last = None;
    for b in BINDINGS.iter().filter(|b| contexts.contains(&b.context)) {
        let place = if last == Some(b.context) {
            ""
        } else {
            b.context.title()
        };
        last = Some(b.context);
        let keys = keys_label(b.keys).replace('|', "\\|");
        out.push_str(&format!("| `{keys}` | {place} | {} |\n", b.help));
    }
    out
}

/// `doc` with every key table block replaced by the key map's.
fn with_key_tables(doc: &str) -> String {
    let mut out = doc.to_string();
    for (name, contexts) in TABLES {
        let start = format!("<!-- keys: {name} -->\n");
        let end = "<!-- end keys -->";
        let Some(from) = out.find(&start).map(|i| i + start.len()) else {
            panic!("{KEY_DOC} has no `{}` block", start.trim());
        };
        let to = from + out[from..].find(end).expect("end of the key table");
        out.replace_range(from..to, &key_table(contexts));
    }
    out
}

/// Where the terminal UI's keys are documented (the README links to it).
const KEY_DOC: &str = "docs/tui.md";

#[test]
fn the_key_tables_in_docs_tui_md_are_the_key_map() {
    let path = repo().join(KEY_DOC);
    let doc = std::fs::read_to_string(&path).expect(KEY_DOC);
    let want = with_key_tables(&doc);
    if updating() {
        std::fs::write(&path, want).expect("write docs/tui.md");
        return;
    }
    assert!(
        doc == want,
        "{KEY_DOC}'s key tables differ from src/tui/keymap.rs; regenerate with `{REGENERATE}`"
    );
}

#[test]
fn a_key_table_lists_each_binding_once_with_its_place() {
    let t = key_table(&[Context::Csr]);
    assert!(
        t.contains("| `a` | CSR tab | approve the selected or marked CSRs |"),
        "{t}"
    );
    assert!(t.contains("| `A` |  | approve all valid pending |"), "{t}");
    assert_eq!(
        t.lines().count() - 2,
        BINDINGS
            .iter()
            .filter(|b| b.context == Context::Csr)
            .count()
    );
}
