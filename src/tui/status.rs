//! How one certificate's expiry reads on screen: a tone (the meaning colours are chosen by), a
//! glyph and a short word or residual time (as `kcert check` writes it). Every state stays
//! readable without colour.

use chrono::{DateTime, Utc};

use crate::pki::{expiry, format, CertEntry, Health, Judgement, Status, Thresholds};
use crate::runtime::ServedState;

/// Display status: the expiry [`Status`] plus `Unknown` for rows that have none (unparsed
/// files). Ordered from best to worst (not yet valid is critical, if less urgent than expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tone {
    Ok,
    Unknown,
    Warning,
    NotYetValid,
    Critical,
    Expired,
}

impl Tone {
    pub fn glyph(self) -> char {
        match self {
            Tone::Ok => '✓',
            Tone::Warning => '!',
            Tone::Critical => '‼',
            Tone::Expired => '✗',
            Tone::NotYetValid => '◷',
            Tone::Unknown => '?',
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Tone::Ok => "ok",
            Tone::Warning => "warning",
            Tone::Critical => "critical",
            Tone::Expired => "expired",
            Tone::NotYetValid => "not yet valid",
            Tone::Unknown => "unknown",
        }
    }

    /// Anything but ok: what `p` (problems only) keeps.
    pub fn is_problem(self) -> bool {
        !matches!(self, Tone::Ok | Tone::Unknown)
    }

    /// How a judged certificate reads: its expiry, made worse by what else is wrong with it
    /// (a key that does not match is critical whatever its expiry). A rotated-out file keeps
    /// its expiry look; it is marked old instead.
    pub fn of(j: &Judgement) -> Tone {
        let expiry = Tone::from(j.status);
        match j.health {
            Health::Critical if matches!(expiry, Tone::Ok | Tone::Unknown | Tone::Warning) => {
                Tone::Critical
            }
            Health::Warning if matches!(expiry, Tone::Ok | Tone::Unknown) => Tone::Warning,
            _ => expiry,
        }
    }
}

/// How a listener's served state reads beside a certificate: a glyph and a word that need no
/// colour, and the tone that colours them. `None` for a listener with no file to compare.
pub fn served_tag(state: ServedState) -> Option<(Tone, &'static str)> {
    Some(match state {
        ServedState::Stale => (Tone::Critical, "⟳ restart"),
        ServedState::Different => (Tone::Warning, "≠ served"),
        ServedState::FileUnreadable => (Tone::Warning, "? served"),
        ServedState::Current => (Tone::Ok, "● served"),
        ServedState::NotListening | ServedState::Timeout | ServedState::Failed => {
            (Tone::Unknown, "○ down")
        }
        ServedState::NoFile => return None,
    })
}

impl From<Status> for Tone {
    fn from(s: Status) -> Self {
        match s {
            Status::Ok => Tone::Ok,
            Status::Warning => Tone::Warning,
            Status::Critical => Tone::Critical,
            Status::Expired => Tone::Expired,
            Status::NotYetValid => Tone::NotYetValid,
        }
    }
}

/// The expiry status at `now`, so a UI left open keeps counting down after the scan.
pub fn status_at(cert: &CertEntry, now: DateTime<Utc>, t: Thresholds) -> Status {
    expiry::status(cert.not_before, cert.not_after, now, t)
}

/// `✗ expired 35d ago`, `‼ 5d`, `! 20d`, `✓ 364d`, `◷ valid in 3d`. The short form
/// (`✗ 35d ago`, `◷ in 3d`) is for narrow panes; the glyph and "ago"/"in" still say it.
pub fn badge(cert: &CertEntry, now: DateTime<Utc>, tone: Tone, long: bool) -> String {
    let g = tone.glyph();
    match (tone, long) {
        (Tone::NotYetValid, long) => format!(
            "{g} {}in {}",
            if long { "valid " } else { "" },
            format::compact((cert.not_before - now).num_seconds())
        ),
        (Tone::Unknown, _) => format!("{g} unknown"),
        (Tone::Expired, false) => format!(
            "{g} {} ago",
            format::compact((now - cert.not_after).num_seconds())
        ),
        _ => format!("{g} {}", format::residual(cert.not_after, now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badges_say_the_state_in_words_long_or_short() {
        use crate::tui::testutil::{cert, now};
        let expired = cert("a", "a.crt", -35);
        assert_eq!(
            badge(&expired, now(), Tone::Expired, true),
            "✗ expired 35d ago"
        );
        assert_eq!(badge(&expired, now(), Tone::Expired, false), "✗ 35d ago");
        let soon = cert("b", "b.crt", 5);
        assert_eq!(badge(&soon, now(), Tone::Critical, true), "‼ 5d");
        let mut future = cert("c", "c.crt", 400);
        future.not_before = now() + chrono::Duration::days(3);
        assert_eq!(
            badge(&future, now(), Tone::NotYetValid, true),
            "◷ valid in 3d"
        );
        assert_eq!(badge(&future, now(), Tone::NotYetValid, false), "◷ in 3d");
    }

    #[test]
    fn glyphs_differ_for_every_tone() {
        let all = [
            Tone::Ok,
            Tone::Unknown,
            Tone::NotYetValid,
            Tone::Warning,
            Tone::Critical,
            Tone::Expired,
        ];
        let glyphs: std::collections::HashSet<char> = all.iter().map(|t| t.glyph()).collect();
        assert_eq!(glyphs.len(), all.len());
    }
}
