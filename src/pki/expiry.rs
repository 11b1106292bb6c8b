//! Expiry status against an injected clock; how residual time is written is in
//! [`super::format`].

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

#[cfg(test)]
mod tests {
    use super::*;

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
