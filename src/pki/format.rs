//! How kcert writes times, durations and serial numbers: one spelling on every screen,
//! report and message, so an operator can match a line in the TUI with one in `kcert check`.

use std::fmt::Display;

use chrono::{DateTime, Utc};

/// `2025-03-01 14:05 UTC`: the minute is what an operator plans around.
pub fn datetime(t: DateTime<Utc>) -> impl Display {
    t.format("%Y-%m-%d %H:%M UTC")
}

/// `2025-03-01 14:05:09 UTC`: for events seconds apart (restarts, readings, the clock).
pub fn datetime_secs(t: DateTime<Utc>) -> impl Display {
    t.format("%Y-%m-%d %H:%M:%S UTC")
}

/// `2025-03-01-14-05-09`: the kubelet's stamp in rotated file names
/// (`kubelet-client-2025-03-01-14-05-09.pem`).
pub fn kubelet_stamp(t: DateTime<Utc>) -> impl Display {
    t.format("%Y-%m-%d-%H-%M-%S")
}

/// Cells a character takes on a terminal: two for wide ones (CJK, most emoji), none for a
/// combining mark.
pub(crate) fn char_cells(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

/// Byte length of the longest start of `s` that fits in `w` cells.
pub(crate) fn fitting(s: &str, w: usize) -> usize {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += char_cells(c);
        if used > w {
            return i;
        }
    }
    s.len()
}

/// `s` cut to `w` cells, with `…` when something was cut.
pub fn clip(s: &str, w: usize) -> String {
    if unicode_width::UnicodeWidthStr::width(s) <= w {
        return s.to_string();
    }
    let keep = fitting(s, w.saturating_sub(1));
    format!("{}…", &s[..keep])
}

/// `s` cut to `w` cells at its start, with `…` when something was cut: for paths, whose end
/// says which file it is.
pub fn clip_start(s: &str, w: usize) -> String {
    if unicode_width::UnicodeWidthStr::width(s) <= w {
        return s.to_string();
    }
    format!("…{}", tail(s, w.saturating_sub(1)))
}

/// The end of `s` that fits in `w` cells: where the typing happens in a long text field.
pub fn tail(s: &str, w: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices().rev() {
        used += char_cells(c);
        if used > w {
            return &s[i + c.len_utf8()..];
        }
    }
    s
}

/// Bytes from hex digits (either case); `None` when `text` is not an even run of them.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| char::from(c).to_digit(16);
    let bytes = text.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes
        .chunks(2)
        .map(|p| u8::try_from(digit(p[0])? << 4 | digit(p[1])?).ok())
        .collect()
}

/// The two lower-case hex digits of a byte. By table: `write!` per byte was visible in scans.
pub fn hex_pair(b: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0x0f)]]
}

/// Lower-case hex without separators.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .flat_map(|&b| hex_pair(b))
        .map(char::from)
        .collect()
}

/// A serial number as `openssl x509 -serial` prints it (and `kcert check --output json`
/// documents it): upper-case hex, no leading zero bytes, `00` for zero.
pub fn serial_hex(raw: &[u8]) -> String {
    let start = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
    if start == raw.len() {
        return "00".into();
    }
    let mut s = hex(&raw[start..]);
    s.make_ascii_uppercase();
    s
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
        return two_units(minutes, "m", seconds % 60, "s");
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        return two_units(hours, "h", minutes % 60, "m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 192 {
        return two_units(hours / 24, "d", hours % 24, "h");
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = hours / 24;
        return two_units(days / 365, "y", days % 365, "d");
    }
    format!("{}y", hours / 24 / 365)
}

/// `3d5h`, or `3d` when the smaller unit is zero.
fn two_units(big: i64, big_unit: &str, small: i64, small_unit: &str) -> String {
    if small == 0 {
        format!("{big}{big_unit}")
    } else {
        format!("{big}{big_unit}{small}{small_unit}")
    }
}

/// Compact residual time for rows and messages: `364d`, `5d`, `18h`, `expired 35d ago`.
pub fn residual(not_after: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (not_after - now).num_seconds();
    if secs <= 0 {
        return format!("expired {} ago", compact(-secs));
    }
    compact(secs)
}

/// Whole days from `now` to `not_after`, rounded toward zero as [`residual`] rounds them:
/// `5d` is 5, `expired 2d ago` is -2, and 0 within a day either side (`18h`, `expired 3h
/// ago`), where the expiry status tells the two apart. JSON's `days_left`.
pub fn days_left(not_after: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (not_after - now).num_seconds() / 86_400
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

/// Left-aligned columns three spaces apart, each at least `min_width` cells wide before
/// the gap, laid out by `tabwriter` like Go's (kubectl's and kubeadm's tables). Widths are
/// display widths, so wide characters and ANSI colour codes in a cell do not skew them; the
/// last cell of a row is not padded.
pub struct Columns(tabwriter::TabWriter<Vec<u8>>);

impl Columns {
    /// Spaces after each column but the last.
    pub const PADDING: usize = 3;

    /// Columns whose cells are at least `min_width` wide, then [`Self::PADDING`].
    pub fn new(min_width: usize) -> Self {
        Columns(
            tabwriter::TabWriter::new(Vec::new())
                .minwidth(min_width)
                .padding(Self::PADDING)
                .ansi(true),
        )
    }

    /// Add one row; a tab or newline inside a cell is written as a space.
    pub fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        use std::io::Write;
        let mut line = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                line.push('\t');
            }
            line.extend(cell.as_ref().chars().map(|c| match c {
                '\t' | '\n' | '\r' => ' ',
                c => c,
            }));
        }
        line.push('\n');
        // Writing to a Vec cannot fail.
        let _ = self.0.write_all(line.as_bytes());
    }

    /// The laid-out text, one line per row.
    pub fn finish(self) -> String {
        match self.0.into_inner() {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(_) => String::new(),
        }
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
        assert_eq!(human_duration(5 * 60), "5m");
        assert_eq!(human_duration(5 * 60 + 7), "5m7s");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
    }

    /// The number a residual's words say in days: `5d` 5, `expired 2d ago` -2, `18h` 0.
    fn days_in_words(words: &str) -> i64 {
        let (sign, rest) = match words.strip_prefix("expired ") {
            Some(r) => (-1, r.trim_end_matches(" ago")),
            None => (1, words),
        };
        rest.strip_suffix('d')
            .map_or(0, |d| sign * d.parse::<i64>().expect("days"))
    }

    #[test]
    fn days_left_says_what_the_words_say_at_every_boundary() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let day = 86_400;
        for secs in [
            -3 * day - 1,
            -2 * day - 9,
            -2 * day,
            -day - 1,
            -day,
            -day + 1,
            -3_600,
            -1,
            0,
            1,
            3_600,
            day - 1,
            day,
            day + 1,
            5 * day + 7,
            334 * day + 86_399,
        ] {
            let not_after = now + chrono::Duration::seconds(secs);
            let words = residual(not_after, now);
            assert_eq!(
                days_left(not_after, now),
                days_in_words(&words),
                "{secs} s: {words}"
            );
        }
        // The case seen in the demo: two days and nine seconds ago.
        let not_after = now - chrono::Duration::seconds(2 * day + 9);
        assert_eq!(residual(not_after, now), "expired 2d ago");
        assert_eq!(days_left(not_after, now), -2);
    }

    #[test]
    fn serials_print_like_openssl() {
        assert_eq!(serial_hex(&[0x00, 0x8c, 0x01]), "8C01");
        assert_eq!(serial_hex(&[0x01, 0x00]), "0100");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[]), "00");
    }

    #[test]
    fn columns_measure_display_width_and_skip_colour_codes() {
        let mut c = Columns::new(0);
        c.row(["NAME", "AGE", "VERDICT"]);
        c.row(["\x1b[31mred\x1b[0m", "5m", "FAIL"]);
        c.row(["名前", "10d", "valid"]);
        assert_eq!(
            c.finish(),
            "NAME   AGE   VERDICT\n\x1b[31mred\x1b[0m    5m    FAIL\n名前   10d   valid\n"
        );
        let mut c = Columns::new(7);
        c.row(["a\tb", "c"]);
        assert_eq!(c.finish(), "a b       c\n");
    }

    #[test]
    fn dates_are_spelled_one_way() {
        let t = DateTime::from_timestamp(1_740_837_909, 0).unwrap();
        assert_eq!(datetime(t).to_string(), "2025-03-01 14:05 UTC");
        assert_eq!(datetime_secs(t).to_string(), "2025-03-01 14:05:09 UTC");
        assert_eq!(kubelet_stamp(t).to_string(), "2025-03-01-14-05-09");
    }
}
