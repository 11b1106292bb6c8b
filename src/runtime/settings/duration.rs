//! Go's `time.ParseDuration`, for flags such as `--cluster-signing-duration=8760h0m0s`.

/// A flag value that is not a Go duration, and what is wrong with it in the operator's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a Go duration ({why})")]
pub struct DurationError {
    pub text: String,
    pub why: &'static str,
}

/// Seconds in a Go duration string (`8760h`, `720h0m0s`, `1.5h`, `90m`); fractions of a second
/// are dropped.
pub fn parse_go_duration(text: &str) -> Result<i64, DurationError> {
    let s = text.trim();
    let bad = |why: &'static str| DurationError {
        text: text.to_string(),
        why,
    };
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad("empty"));
    }
    let mut nanos: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..num_len]
            .parse()
            .map_err(|_| bad("a number is missing before a unit"))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(bad("a unit is missing: ns, us, ms, s, m or h")),
            _ => return Err(bad("unknown unit; use ns, us, ms, s, m or h")),
        };
        rest = &rest[unit_len..];
        nanos += number * unit;
    }
    // Go's limit: about 290 years.
    if nanos > i64::MAX as f64 {
        return Err(bad("too large"));
    }
    let secs = (nanos / 1e9).trunc() as i64;
    Ok(if negative { -secs } else { secs })
}

/// Go's `Duration.String()` for whole seconds: `8760h0m0s`, `10m0s`, `0s`.
pub fn go_duration_string(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, sec) => format!("{sign}{sec}s"),
        (0, m, sec) => format!("{sign}{m}m{sec}s"),
        (h, m, sec) => format!("{sign}{h}h{m}m{sec}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_controller_manager_spellings() {
        assert_eq!(parse_go_duration("8760h0m0s"), Ok(8760 * 3600));
        assert_eq!(parse_go_duration("720h"), Ok(30 * 86_400));
        assert_eq!(parse_go_duration("1.5h"), Ok(5400));
        assert_eq!(parse_go_duration("90m30s"), Ok(5430));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration("1500ms"), Ok(1));
        assert_eq!(go_duration_string(8760 * 3600), "8760h0m0s");
        assert_eq!(go_duration_string(600), "10m0s");
        assert_eq!(go_duration_string(0), "0s");
    }

    #[test]
    fn bad_durations_say_why() {
        for (text, why) in [
            ("", "empty"),
            ("365d", "unknown unit"),
            ("8760", "unit is missing"),
            ("h", "number is missing"),
            ("1..5h", "number is missing"),
        ] {
            let e = parse_go_duration(text).unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
