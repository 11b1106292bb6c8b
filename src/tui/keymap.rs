//! The one key table. Dispatch, the footer hints and the help overlay are all read from
//! [`BINDINGS`], so what the screen says a key does is what it does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Where a binding applies. The app lists its active contexts, most specific first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Everywhere, even while typing a filter or reading help.
    Always,
    /// Any tab's main screen when nothing is being typed.
    Tabs,
    /// The local PKI tab (tree, details or timeline) when nothing is being typed.
    Main,
    /// The CSR tab.
    Csr,
    /// The bootstrap tokens tab.
    Tokens,
    /// The nodes tab.
    Nodes,
    /// Moving a cursor or scrolling, in whatever has focus.
    Nav,
    Tree,
    /// The tree or the details pane has focus.
    Panes,
    Timeline,
    Filter,
    Help,
    /// A dialog asking yes or no.
    Confirm,
    /// A dialog asking for a line of text (a denial's reason, an x509 error line).
    Prompt,
    /// A dialog that only reports.
    Message,
    /// A running restart's steps.
    Progress,
}

impl Context {
    /// Dialogs and the help itself list their own keys along their bottom edge; the help
    /// overlay lists the rest.
    pub fn in_help(self) -> bool {
        !matches!(
            self,
            Context::Help
                | Context::Confirm
                | Context::Prompt
                | Context::Message
                | Context::Progress
        )
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::Always => "Anywhere",
            Context::Tabs => "Any tab",
            Context::Main => "Local PKI tab",
            Context::Csr => "CSR tab",
            Context::Tokens => "Tokens tab",
            Context::Nodes => "Nodes tab",
            Context::Nav => "Moving",
            Context::Tree => "Tree",
            Context::Panes => "Tree and details",
            Context::Timeline => "Timeline",
            Context::Filter => "While typing a filter",
            Context::Help => "This help",
            Context::Confirm => "Confirmation",
            Context::Prompt => "Typing into a dialog",
            Context::Message => "Report",
            Context::Progress => "Restart running",
        }
    }
}

/// One key, or any printable character (for typing into the filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Code(KeyCode, KeyModifiers),
    /// A character pressed twice in a row (`gg`): the first press only arms it.
    Twice(char),
    AnyChar,
}

const fn k(c: char) -> Key {
    Key::Code(KeyCode::Char(c), KeyModifiers::NONE)
}
const fn ctrl(c: char) -> Key {
    Key::Code(KeyCode::Char(c), KeyModifiers::CONTROL)
}
const fn code(c: KeyCode) -> Key {
    Key::Code(c, KeyModifiers::NONE)
}

impl Key {
    fn matches(&self, ev: &KeyEvent) -> bool {
        // Terminals report Shift with upper-case letters and symbols like `?`; the character
        // already says it, so Shift is ignored for characters.
        let mods = match ev.code {
            KeyCode::Char(_) => ev.modifiers - KeyModifiers::SHIFT,
            _ => ev.modifiers,
        };
        match *self {
            Key::Code(c, m) => c == ev.code && m == mods,
            Key::Twice(c) => ev.code == KeyCode::Char(c) && mods.is_empty(),
            Key::AnyChar => {
                matches!(ev.code, KeyCode::Char(ch) if !ch.is_control()) && mods.is_empty()
            }
        }
    }

    pub fn label(&self) -> String {
        let (c, m) = match *self {
            Key::Code(c, m) => (c, m),
            Key::Twice(c) => return format!("{c}{c}"),
            Key::AnyChar => return "type".to_string(),
        };
        let base = match c {
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::Backspace => "Bksp".to_string(),
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(ch) => ch.to_string(),
            other => format!("{other:?}"),
        };
        if m.contains(KeyModifiers::CONTROL) {
            format!("^{}", base.to_uppercase())
        } else {
            base
        }
    }
}

/// A row of the key table.
#[derive(Debug)]
pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    pub action: Action,
    /// Short label for the footer; `None` keeps the binding out of the footer.
    pub hint: Option<&'static str>,
    /// The help overlay's description.
    pub help: &'static str,
}

const fn b(
    context: Context,
    keys: &'static [Key],
    action: Action,
    hint: Option<&'static str>,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        keys,
        action,
        hint,
        help,
    }
}

use Context::*;

/// Every key kcert understands, in the order the help overlay lists them.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    b(Always, &[ctrl('c')], Action::Quit, None, "quit"),
    b(Tabs, &[k('1')], Action::ShowLocalPki, None, "local PKI tab"),
    b(Tabs, &[k('2')], Action::ShowCsrs, None, "CSR tab (the cluster's)"),
    b(Tabs, &[k('3')], Action::ShowTokens, None, "bootstrap tokens tab"),
    b(Tabs, &[k('4')], Action::ShowNodes, None, "nodes tab (every node's report)"),
    b(Tabs, &[k('?')], Action::Help, Some("help"), "show this help"),
    b(Tabs, &[k('q')], Action::Quit, Some("quit"), "quit"),
    b(Main, &[k('/')], Action::StartFilter, Some("filter"), "filter name/subject/SAN/path"),
    b(Main, &[code(KeyCode::Esc)], Action::ClearFilter, None, "clear the filter"),
    b(Main, &[k('p')], Action::ToggleProblems, Some("problems"), "show only problems"),
    b(Main, &[k('s')], Action::ToggleSort, Some("sort"), "sort by expiry, not as tree"),
    b(Main, &[k('t')], Action::ToggleTimeline, Some("timeline"), "timeline of expiries"),
    b(Main, &[ctrl('r')], Action::Rescan, Some("rescan"), "scan the disk again"),
    b(Main, &[k('r')], Action::Renew, Some("renew"), "renew this certificate"),
    b(Main, &[k('R')], Action::RenewExpiring, None, "renew all expiring leaves"),
    b(Main, &[k('S')], Action::RestartConsumers, Some("restart"), "restart its static pods"),
    b(Main, &[k('e')], Action::Explain, Some("explain"), "explain an x509 error line"),
    b(Main, &[k('x')], Action::ShowText, Some("x509 text"), "the certificate as openssl x509 -text"),
    b(Main, &[k('P')], Action::ShowCaPlan, None, "a CA's plan: what it caps, its copies, the steps"),
    b(Main, &[k('y')], Action::CopyPath, Some("copy path"), "copy its absolute path (OSC 52)"),
    b(Main, &[k('L')], Action::ShowRestartLog, None, "the last restart's steps again"),
    b(Csr, &[k('a')], Action::Approve, Some("approve"), "approve the selected or marked CSRs"),
    b(Csr, &[k('d')], Action::Deny, Some("deny"), "deny them, giving a reason"),
    b(Csr, &[k('A')], Action::ApproveAll, Some("approve valid"), "approve all valid pending"),
    b(Csr, &[k(' ')], Action::ToggleMark, Some("mark"), "mark or unmark, for a and d"),
    b(Csr, &[k('/')], Action::StartFilter, Some("filter"), "filter name/requestor/signer/verdict"),
    b(Csr, &[k('s')], Action::ToggleSort, Some("sort"), "sort: kubectl, name, age, verdict"),
    b(Csr, &[ctrl('r')], Action::Reconnect, Some("reconnect"), "reconnect to the cluster now"),
    b(Csr, &[code(KeyCode::Esc)], Action::ClearFilter, None, "clear the filter and the marks"),
    b(Csr, &[k('D')], Action::ShowDoctor, None, "the auto-approval check (banner) in full"),
    b(Tokens, &[k('D')], Action::ShowDoctor, Some("doctor"), "the auto-approval check in full"),
    b(Tokens, &[ctrl('r')], Action::Reconnect, Some("reconnect"), "reconnect to the cluster now"),
    b(Nodes, &[code(KeyCode::Enter)], Action::OpenNode, Some("open"), "its certificates, read-only (renew on the node)"),
    b(Nodes, &[ctrl('r')], Action::RefreshFleet, Some("refresh"), "fetch every node's report again"),
    b(Panes, &[code(KeyCode::Tab)], Action::SwitchPane, Some("pane"), "switch tree / details"),
    b(Tree, &[code(KeyCode::Left), k('h')], Action::Collapse, Some("fold"), "collapse, or go to parent"),
    b(Tree, &[code(KeyCode::Right), k('l')], Action::Expand, None, "expand"),
    b(Tree, &[code(KeyCode::Enter)], Action::Toggle, None, "collapse or expand"),
    b(Timeline, &[k('m')], Action::ToggleMonthly, Some("months"), "axis or per-month chart"),
    b(Nav, &[code(KeyCode::Up), k('k')], Action::Up, None, "up"),
    b(Nav, &[code(KeyCode::Down), k('j')], Action::Down, None, "down"),
    b(Nav, &[code(KeyCode::PageUp)], Action::PageUp, None, "page up"),
    b(Nav, &[code(KeyCode::PageDown)], Action::PageDown, None, "page down"),
    b(Nav, &[code(KeyCode::Home), Key::Twice('g')], Action::Home, None, "first"),
    b(Nav, &[code(KeyCode::End), k('G')], Action::End, None, "last"),
    b(Filter, &[code(KeyCode::Enter)], Action::FilterDone, Some("keep"), "stop typing, keep filter"),
    b(Filter, &[code(KeyCode::Esc)], Action::ClearFilter, Some("clear"), "clear the filter"),
    b(Filter, &[code(KeyCode::Backspace)], Action::FilterBackspace, None, "delete a character"),
    b(Filter, &[code(KeyCode::Up), code(KeyCode::Down)], Action::Down, None, "move the selection"),
    b(Filter, &[Key::AnyChar], Action::FilterInsert, None, "refine the filter"),
    b(Help, &[code(KeyCode::Esc), k('?'), k('q')], Action::CloseOverlay, Some("close"), "close the help"),
    b(Help, &[code(KeyCode::Up), k('k')], Action::Up, None, "scroll up"),
    b(Help, &[code(KeyCode::Down), k('j')], Action::Down, None, "scroll down"),
    b(Confirm, &[k('y')], Action::Confirm, Some("yes"), "do it"),
    b(Confirm, &[k('n'), code(KeyCode::Esc), k('q')], Action::CloseOverlay, Some("no"), "cancel, change nothing"),
    b(Confirm, &[k('u')], Action::ToggleCaData, Some("CA data"), "also fix stale certificate-authority-data"),
    b(Confirm, &[k('U')], Action::Undo, Some("undo"), "after a renewal: put back the files it replaced"),
    b(Confirm, &[code(KeyCode::Up), k('k')], Action::Up, None, "scroll up"),
    b(Confirm, &[code(KeyCode::Down), k('j')], Action::Down, None, "scroll down"),
    b(Prompt, &[code(KeyCode::Enter)], Action::Confirm, Some("confirm"), "do it, with the text typed"),
    b(Prompt, &[code(KeyCode::Esc)], Action::CloseOverlay, Some("cancel"), "cancel, change nothing"),
    b(Prompt, &[code(KeyCode::Backspace)], Action::PromptBackspace, None, "delete a character"),
    b(Prompt, &[code(KeyCode::Up)], Action::Up, None, "scroll up"),
    b(Prompt, &[code(KeyCode::Down)], Action::Down, None, "scroll down"),
    b(Prompt, &[Key::AnyChar], Action::PromptInsert, None, "type"),
    b(Message, &[code(KeyCode::Esc), code(KeyCode::Enter), k('q')], Action::CloseOverlay, Some("close"), "close the report"),
    b(Message, &[k('U')], Action::Undo, Some("undo"), "after a renewal: put back the files it replaced"),
    b(Message, &[code(KeyCode::Up), k('k')], Action::Up, None, "scroll up"),
    b(Message, &[code(KeyCode::Down), k('j')], Action::Down, None, "scroll down"),
    b(Message, &[code(KeyCode::PageUp)], Action::PageUp, None, "page up"),
    b(Message, &[code(KeyCode::PageDown)], Action::PageDown, None, "page down"),
    b(Message, &[code(KeyCode::Home), Key::Twice('g')], Action::Home, None, "top"),
    b(Message, &[code(KeyCode::End), k('G')], Action::End, None, "bottom"),
    b(Progress, &[k('c')], Action::CancelRestart, Some("cancel restart"), "stop it: the manifest goes back"),
    b(Progress, &[code(KeyCode::Esc), k('q')], Action::CloseOverlay, Some("hide"), "hide this; the restart goes on"),
    b(Progress, &[code(KeyCode::Up), k('k')], Action::Up, None, "scroll up"),
    b(Progress, &[code(KeyCode::Down), k('j')], Action::Down, None, "scroll down"),
];

/// The action bound to `ev` in the first of `contexts` that binds it.
pub fn resolve(contexts: &[Context], ev: &KeyEvent) -> Option<Action> {
    contexts.iter().find_map(|ctx| {
        BINDINGS
            .iter()
            .filter(|b| b.context == *ctx)
            .find(|b| b.keys.iter().any(|key| key.matches(ev)))
            .map(|b| {
                // One row covers both arrows while filtering; keep their direction.
                if b.context == Filter && ev.code == KeyCode::Up {
                    Action::Up
                } else {
                    b.action
                }
            })
    })
}

/// Whether `ev` is the key of a binding that acts only when pressed twice (`gg`).
pub fn needs_twice(contexts: &[Context], ev: &KeyEvent) -> bool {
    contexts
        .iter()
        .find_map(|ctx| {
            BINDINGS
                .iter()
                .filter(|b| b.context == *ctx)
                .find_map(|b| b.keys.iter().find(|key| key.matches(ev)))
        })
        .is_some_and(|key| matches!(key, Key::Twice(_)))
}

/// `↑/k`, `^C`: how the help and the footer write a binding's keys.
pub fn keys_label(keys: &[Key]) -> String {
    keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
}

/// A footer entry: keys, label and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub keys: String,
    pub label: &'static str,
    pub action: Action,
}

/// Footer hints for the active contexts, most specific context first.
pub fn hints(contexts: &[Context]) -> Vec<Hint> {
    contexts
        .iter()
        .flat_map(|ctx| BINDINGS.iter().filter(move |b| b.context == *ctx))
        .filter_map(|b| {
            b.hint.map(|label| Hint {
                keys: keys_label(b.keys),
                label,
                action: b.action,
            })
        })
        .collect()
}

/// The help overlay's groups, in table order.
pub fn groups() -> Vec<(Context, Vec<&'static Binding>)> {
    let mut out: Vec<(Context, Vec<&'static Binding>)> = Vec::new();
    for bnd in BINDINGS {
        match out.iter_mut().find(|(c, _)| *c == bnd.context) {
            Some((_, v)) => v.push(bnd),
            None => out.push((bnd.context, vec![bnd])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn q_quits_on_the_main_screen_but_types_into_the_filter() {
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(
            resolve(&[Always, Tree, Nav, Main, Tabs], &q),
            Some(Action::Quit)
        );
        assert_eq!(resolve(&[Always, Filter], &q), Some(Action::FilterInsert));
        assert_eq!(resolve(&[Always, Prompt], &q), Some(Action::PromptInsert));
    }

    #[test]
    fn ctrl_c_quits_everywhere() {
        let c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for ctxs in [
            &[Always, Filter][..],
            &[Always, Help],
            &[Always, Tree, Nav, Main],
        ] {
            assert_eq!(resolve(ctxs, &c), Some(Action::Quit), "{ctxs:?}");
        }
    }

    #[test]
    fn shifted_symbols_and_arrows_resolve() {
        let help = key(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(resolve(&[Always, Main, Tabs], &help), Some(Action::Help));
        let left = key(KeyCode::Left, KeyModifiers::NONE);
        assert_eq!(
            resolve(&[Always, Tree, Nav, Main], &left),
            Some(Action::Collapse)
        );
        let up = key(KeyCode::Up, KeyModifiers::NONE);
        assert_eq!(resolve(&[Always, Filter], &up), Some(Action::Up));
        let unbound = key(KeyCode::Char('z'), KeyModifiers::NONE);
        assert_eq!(resolve(&[Always, Tree, Nav, Main], &unbound), None);
    }

    #[test]
    fn gg_is_labelled_as_typed_and_only_g_arms_it() {
        let g = key(KeyCode::Char('g'), KeyModifiers::NONE);
        let ctxs = [Always, Tree, Nav, Main, Tabs];
        assert!(needs_twice(&ctxs, &g));
        assert_eq!(resolve(&ctxs, &g), Some(Action::Home));
        let shift_g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert!(!needs_twice(&ctxs, &shift_g));
        assert_eq!(resolve(&ctxs, &shift_g), Some(Action::End));
        assert!(!needs_twice(&[Always, Filter], &g), "typed into a filter");
        assert_eq!(Key::Twice('g').label(), "gg");
        assert_eq!(k(' ').label(), "Space");
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for (ctx, bindings) in groups() {
            let keys: Vec<Key> = bindings
                .iter()
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            for (i, a) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(a), "{a:?} twice in {ctx:?}");
            }
        }
    }

    #[test]
    fn hints_and_labels_come_from_the_table() {
        let h: Vec<(String, &str)> = hints(&[Always, Tree, Panes, Nav, Main, Tabs])
            .into_iter()
            .map(|h| (h.keys, h.label))
            .collect();
        assert_eq!(h.first(), Some(&("←/h".to_string(), "fold")));
        assert!(h.contains(&("Tab".to_string(), "pane")));
        assert!(h.contains(&("^R".to_string(), "rescan")));
        assert!(!h.iter().any(|(_, l)| *l == "close"));
        assert!(h.contains(&("?".to_string(), "help")));
    }

    #[test]
    fn the_csr_tab_has_its_own_keys_and_tab_1_keys_do_not_leak_into_it() {
        let ctxs = [Always, Csr, Panes, Nav, Tabs];
        let press = |c: char| resolve(&ctxs, &key(KeyCode::Char(c), KeyModifiers::NONE));
        assert_eq!(press('a'), Some(Action::Approve));
        assert_eq!(press('d'), Some(Action::Deny));
        assert_eq!(press('A'), Some(Action::ApproveAll));
        assert_eq!(press('1'), Some(Action::ShowLocalPki));
        assert_eq!(press('r'), None, "renew is a local PKI key");
        assert_eq!(press('/'), Some(Action::StartFilter), "its own filter");
        assert_eq!(press('s'), Some(Action::ToggleSort));
        assert_eq!(press(' '), Some(Action::ToggleMark));
        assert_eq!(press('y'), None, "copying a path is a local PKI key");
        let ctrl_r = key(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert_eq!(resolve(&ctxs, &ctrl_r), Some(Action::Reconnect));
    }
}
