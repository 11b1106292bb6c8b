//! Errors and panics in words for the operator: `kcert: what failed: why` on one line,
//! further causes on their own lines only when they add something. The developer's report
//! (source locations, backtraces) only with `--debug` or `KCERT_DEBUG=1`; `RUST_BACKTRACE`
//! alone, set on many hosts, does not turn it on. Colour only on a terminal, never with
//! `NO_COLOR`.

use std::io::IsTerminal;

use color_eyre::eyre::Report;

/// `--debug` anywhere on the command line, or `KCERT_DEBUG` set to anything but `0`/empty.
/// Read before parsing, so a panic while parsing is reported the chosen way too.
pub fn debug_requested() -> bool {
    let env = std::env::var("KCERT_DEBUG").is_ok_and(|v| !v.is_empty() && v != "0");
    env || std::env::args_os().skip(1).any(|a| a == "--debug")
}

/// Whether stderr gets colour: a terminal, and no `NO_COLOR`.
fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Set up how errors and panics are reported. Call once, before anything can fail.
pub fn install(debug: bool) {
    if debug {
        // The developer report with backtraces, whatever RUST_BACKTRACE says. Set before any
        // thread exists.
        for var in ["RUST_BACKTRACE", "RUST_LIB_BACKTRACE"] {
            if std::env::var_os(var).is_none() {
                std::env::set_var(var, "1");
            }
        }
        let theme = if color() {
            color_eyre::config::Theme::dark()
        } else {
            color_eyre::config::Theme::new()
        };
        let _ = color_eyre::config::HookBuilder::default()
            .theme(theme)
            .install();
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a panic");
        err_line(format_args!("{}internal error: {what}", prefix()));
        err_line(format_args!(
            "This is a bug in kcert {}. Please report it {}, with the command you ran; \
             `--debug` (or KCERT_DEBUG=1) adds where it happened.",
            env!("CARGO_PKG_VERSION"),
            report_to()
        ));
    }));
}

/// Where bugs go: the package's repository when it names one.
fn report_to() -> String {
    match env!("CARGO_PKG_REPOSITORY") {
        "" => "to the kcert maintainers".to_string(),
        repo => format!("at {repo}/issues"),
    }
}

fn prefix() -> &'static str {
    if color() {
        "\x1b[1;31mkcert:\x1b[0m "
    } else {
        "kcert: "
    }
}

/// The lines of `e` as the operator reads them: the message and its first cause on one
/// line, then each further cause that says something the lines before did not.
pub fn lines(e: &Report) -> Vec<String> {
    let mut said: Vec<String> = Vec::new();
    let mut joined = false;
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || said.iter().any(|s| s.contains(&text)) {
            continue;
        }
        match said.first_mut() {
            Some(first) if !joined => {
                *first = format!("{first}: {text}");
                joined = true;
            }
            _ => said.push(text),
        }
    }
    said
}

/// Print `e` on stderr, the operator's way or, with `debug`, the developer's.
pub fn print(e: &Report, debug: bool) {
    if debug {
        err_line(format_args!("kcert: {e:?}"));
        return;
    }
    for (i, line) in lines(e).iter().enumerate() {
        match i {
            0 => err_line(format_args!("{}{line}", prefix())),
            _ => err_line(format_args!("  {line}")),
        }
    }
}

/// One line on stderr. Unlike `eprintln!`, a stderr that cannot be written (a terminal that
/// hung up) is no reason to panic while reporting something else.
fn err_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[cfg(test)]
mod tests {
    use color_eyre::eyre::{eyre, WrapErr};

    use super::*;

    #[test]
    fn a_cause_joins_the_first_line_and_repeats_are_dropped() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let e = Err::<(), _>(io)
            .wrap_err("cannot write /x/y")
            .wrap_err("cannot write the demo tree into /x")
            .unwrap_err();
        assert_eq!(
            lines(&e),
            [
                "cannot write the demo tree into /x: cannot write /x/y",
                "permission denied"
            ]
        );
        let e = eyre!("cannot scan /nonexistent: no such file or directory");
        assert_eq!(
            lines(&e),
            ["cannot scan /nonexistent: no such file or directory"]
        );
        let inner = std::io::Error::other("no such file or directory");
        let e = Err::<(), _>(inner)
            .wrap_err("/a: no such file or directory")
            .unwrap_err();
        assert_eq!(lines(&e), ["/a: no such file or directory"]);
    }
}
