//! How one certificate's expiry reads on screen: a tone (the meaning colours are chosen by), a
//! glyph and a short word or residual time. Every state stays readable without colour.

use chrono::{DateTime, Utc};

use crate::pki::{CertEntry, Status, Thresholds};

/// Display status: the expiry [`Status`] plus `Unknown` for rows that have none (unparsed files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tone {
    Ok,
    Unknown,
    NotYetValid,
    Warning,
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

    /// Expired, critical and warning: what `p` (problems only) keeps.
    pub fn is_expiry_problem(self) -> bool {
        matches!(self, Tone::Warning | Tone::Critical | Tone::Expired)
    }
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
    if now < cert.not_before {
        return Status::NotYetValid;
    }
    if now >= cert.not_after {
        return Status::Expired;
    }
    let days = cert.days_left(now);
    if days < t.crit_days {
        Status::Critical
    } else if days < t.warn_days {
        Status::Warning
    } else {
        Status::Ok
    }
}

/// A duration the way kubeadm prints residual time: `5h`, `364d`, `9y`.
pub fn short_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let days = s / 86_400;
    if days == 0 {
        let hours = s / 3600;
        if hours == 0 {
            return format!("{}m", s / 60);
        }
        return format!("{hours}h");
    }
    if days < 730 {
        format!("{days}d")
    } else {
        format!("{}y", days / 365)
    }
}

/// `✗ expired 35d ago`, `‼ 5d`, `! 20d`, `✓ 364d`, `◷ valid in 3d`.
pub fn badge(cert: &CertEntry, now: DateTime<Utc>, tone: Tone) -> String {
    let g = tone.glyph();
    match tone {
        Tone::Expired => format!(
            "{g} expired {} ago",
            short_duration((now - cert.not_after).num_seconds())
        ),
        Tone::NotYetValid => format!(
            "{g} valid in {}",
            short_duration((cert.not_before - now).num_seconds())
        ),
        Tone::Unknown => format!("{g} unknown"),
        _ => format!(
            "{g} {}",
            short_duration((cert.not_after - now).num_seconds())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubeadm() {
        assert_eq!(short_duration(59), "0m");
        assert_eq!(short_duration(3 * 3600 + 5), "3h");
        assert_eq!(short_duration(364 * 86_400 + 100), "364d");
        assert_eq!(short_duration(729 * 86_400), "729d");
        assert_eq!(short_duration(3650 * 86_400), "10y");
        assert_eq!(short_duration(-5), "0m");
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
