//! Styles chosen once, by meaning. The mono variant (NO_COLOR, `--color never`) keeps only
//! attributes, so glyphs, words and reverse video carry every state on their own.

use ratatui::style::{Color, Modifier, Style};

use super::status::Tone;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        Theme { color }
    }

    pub fn mono() -> Self {
        Theme { color: false }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Expired and critical red, warning yellow, ok green, not yet valid magenta, unknown grey.
    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Expired => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Tone::Critical => self.fg(Color::Red),
            Tone::Warning => self.fg(Color::Yellow),
            Tone::Ok => self.fg(Color::Green),
            Tone::NotYetValid => self.fg(Color::Magenta),
            Tone::Unknown => self.fg(Color::DarkGray),
        }
    }

    /// Chain and key trouble markers next to a name.
    pub fn danger(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Rows shown only as context for a filter match, labels, secondary text.
    pub fn muted(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn heading(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn label(&self) -> Style {
        self.fg(Color::Cyan)
    }

    /// Key names in the footer and the help.
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        }
    }

    /// The filter prompt, the scanning notice and other things the user is waiting on.
    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_has_no_colours_but_keeps_reverse_selection() {
        let t = Theme::mono();
        for tone in [Tone::Ok, Tone::Warning, Tone::Critical, Tone::Expired] {
            assert_eq!(t.tone(tone).fg, None);
        }
        assert!(t.selected().add_modifier.contains(Modifier::REVERSED));
        assert_eq!(Theme::new(true).tone(Tone::Expired).fg, Some(Color::Red));
        assert_eq!(Theme::new(true).tone(Tone::Warning).fg, Some(Color::Yellow));
    }
}
