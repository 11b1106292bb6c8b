//! What is drawn over the screen: the help and dialogs.

use crate::tui::action::Cmd;
use crate::tui::status::Tone;

/// A dialog's text: each line with its tone; `None` is plain text.
pub type Lines = Vec<(Option<Tone>, String)>;

/// Drawn over the main screen, topmost last; the topmost gets the keys.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help { scroll: usize },
    Dialog(Box<Dialog>),
}

/// A framed text shown over the screen: a question (with what `y` does), a question with a
/// text field (`input`, passed into `on_yes` on Enter) or a report.
#[derive(Debug, Clone, Default)]
pub struct Dialog {
    pub title: String,
    pub lines: Lines,
    pub scroll: usize,
    /// `None` for a report that only closes.
    pub on_yes: Option<Cmd>,
    /// For a renewal confirmation: how to plan again with the CA data fixed (`u`).
    pub replan: Option<Cmd>,
    /// For a renewal report: how to undo it (`U`, planned and confirmed first).
    pub undo: Option<Cmd>,
    /// A one-line text field (the reason for a denial); `None` for yes/no dialogs.
    pub input: Option<String>,
    /// The text field's label (`Reason`, `x509 error`).
    pub prompt: String,
    /// What must be typed into the field before Enter does anything: the name of a CSR that
    /// fails its checks, so a dangerous approval is never one keystroke.
    pub confirm_text: Option<String>,
    /// Enter explains the typed x509 error line here, in `update` (pure, no command).
    pub explain: bool,
    /// Lines are added as a background task reports (a restart).
    pub progress: bool,
}
