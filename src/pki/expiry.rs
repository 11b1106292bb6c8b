//! Expiry status and the way residual time is written, against an injected clock.

use chrono::{DateTime, Utc};

use super::{Status, Thresholds};

/// Status of a validity window at `now`.
pub fn status(
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    now: DateTime<Utc>,
    t: Thresholds,
) -> Status {
    if now < not_before {
        return Status::NotYetValid;
    }
    if now >= not_after {
        return Status::Expired;
    }
    let left = (not_after - now).num_seconds();
    if left < t.crit_days * 86_400 {
        Status::Critical
    } else if left < t.warn_days * 86_400 {
        Status::Warning
    } else {
        Status::Ok
    }
}

/// kubeadm's RESIDUAL TIME (`duration.HumanDuration`, v1.31+): `364d`, `2y327d`, `9y`;
/// `<invalid>` once expired, as `kubeadm certs check-expiration` prints it.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 192 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = hours / 24;
        let (y, d) = (days / 365, days % 365);
        return if d == 0 {
            format!("{y}y")
        } else {
            format!("{y}y{d}d")
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Compact residual time for rows and messages: `364d`, `5d`, `18h`, `expired 35d ago`.
pub fn residual(not_after: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (not_after - now).num_seconds();
    if secs <= 0 {
        return format!("expired {} ago", compact(-secs));
    }
    compact(secs)
}

/// `35d`, `18h`, `12m` — one unit, rounded down.
pub fn compact(secs: i64) -> String {
    match secs {
        s if s >= 86_400 => format!("{}d", s / 86_400),
        s if s >= 3_600 => format!("{}h", s / 3_600),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_kubeadm_examples() {
        assert_eq!(human_duration(364 * 86_400 + 3600), "364d");
        assert_eq!(human_duration((2 * 365 + 327) * 86_400), "2y327d");
        assert_eq!(human_duration(9 * 365 * 86_400 + 100), "9y");
        assert_eq!(human_duration(-5), "<invalid>");
        assert_eq!(human_duration(3 * 86_400 + 5 * 3600), "3d5h");
    }

    #[test]
    fn status_boundaries() {
        let now = DateTime::from_timestamp(1_000_000_000, 0).unwrap();
        let t = Thresholds::default();
        let day = chrono::Duration::days(1);
        let nb = now - day * 10;
        assert_eq!(status(nb, now + day * 31, now, t), Status::Ok);
        assert_eq!(status(nb, now + day * 29, now, t), Status::Warning);
        assert_eq!(status(nb, now + day * 6, now, t), Status::Critical);
        assert_eq!(status(nb, now, now, t), Status::Expired);
        assert_eq!(
            status(now + day, now + day * 400, now, t),
            Status::NotYetValid
        );
    }
}
