//! How kube-apiserver prints a duration in its Tables (`Age`, `RequestedDuration`):
//! apimachinery's `duration.HumanDuration`, two or three significant figures. Written from
//! that behaviour for this server alone; kcert's own formatting is what it checks.

use chrono::Duration;

/// `70s`, `3m10s`, `70m`, `7h59m`, `47h`, `2d1h`, `367d`, `2y1d`, `8y`. Up to a second in the
/// future is `0s` (clock skew between machines); further is `<invalid>`.
pub fn human(d: Duration) -> String {
    // Whole seconds, truncated towards zero as Go's int(d.Seconds()) does.
    let secs = d.num_seconds();
    if secs < -1 {
        return "<invalid>".into();
    }
    let secs = secs.max(0);
    let (mins, hours) = (secs / 60, secs / 3600);
    let days = hours / 24;
    // A larger unit with the next one down, the latter left out when zero.
    let pair = |big: i64, big_unit: &str, small: i64, small_unit: &str| match small {
        0 => format!("{big}{big_unit}"),
        _ => format!("{big}{big_unit}{small}{small_unit}"),
    };
    match hours {
        _ if secs < 120 => format!("{secs}s"),
        _ if mins < 10 => pair(mins, "m", secs % 60, "s"),
        _ if mins < 180 => format!("{mins}m"),
        0..=7 => pair(hours, "h", mins % 60, "m"),
        8..=47 => format!("{hours}h"),
        48..=191 => pair(days, "d", hours % 24, "h"),
        _ if days < 2 * 365 => format!("{days}d"),
        _ if days < 8 * 365 => pair(days / 365, "y", days % 365, "d"),
        _ => format!("{}y", days / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_print_as_kube_apiserver_prints_them() {
        let ms = Duration::milliseconds;
        let (s, m, h) = (1_000, 60_000, 3_600_000);
        let d = 24 * h;
        let y = 365 * d;
        for (millis, want) in [
            (-2 * s, "<invalid>"),
            (-2 * s + 1, "0s"),
            (0, "0s"),
            (s - 1, "0s"),
            (70 * s, "70s"),
            (2 * m - 1, "119s"),
            (2 * m, "2m"),
            (2 * m + s, "2m1s"),
            (190 * s, "3m10s"),
            (10 * m - 1, "9m59s"),
            (10 * m + s, "10m"),
            (3 * h - 1, "179m"),
            (3 * h, "3h"),
            (3 * h + m, "3h1m"),
            (8 * h - 1, "7h59m"),
            (8 * h + 59 * m, "8h"),
            (2 * d - 1, "47h"),
            (2 * d, "2d"),
            (2 * d + h, "2d1h"),
            (8 * d - 1, "7d23h"),
            (8 * d + 23 * h, "8d"),
            (367 * d, "367d"),
            (2 * y - 1, "729d"),
            (2 * y + 24 * h - 1, "2y"),
            (2 * y + 25 * h, "2y1d"),
            (8 * y - 1, "7y364d"),
            (8 * y + 364 * d, "8y"),
            (9 * y, "9y"),
        ] {
            assert_eq!(human(ms(millis)), want, "{millis} ms");
        }
    }
}
