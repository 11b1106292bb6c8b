//! A terminal that hangs up under a running UI without a SIGHUP reaching kcert (it is not the
//! session's leader: started from a script, `sh -c`, `sudo`): the UI must end on its own, not
//! spin on the dead terminal forever. The real binary on a real pseudo-terminal whose master
//! side is closed. Before: kcert died of a panic while saying "Failed to show the cursor" on
//! the dead terminal (every run); and, when crossterm's reader (which retries an end-of-file
//! read forever) ran on the UI loop's thread, spun at full speed until killed (some runs:
//! it races with the next draw failing).

use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};

use crate::util::demo_tree;

/// A new pseudo-terminal: its master, and its slave opened as a plain file (so it does not
/// become anyone's controlling terminal, and no SIGHUP is sent when it hangs up).
fn pty() -> (OwnedFd, std::fs::File) {
    let master =
        openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).expect("openpt");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
        .open(name.to_str().unwrap())
        .expect("the pty's slave");
    let size = rustix::termios::Winsize {
        ws_row: 30,
        ws_col: 100,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    rustix::termios::tcsetwinsize(&slave, size).expect("window size");
    (master, slave)
}

use std::os::unix::fs::OpenOptionsExt;

#[test]
fn the_ui_ends_when_its_terminal_hangs_up_without_a_sighup() {
    let dir = demo_tree();
    let (master, slave) = pty();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kcert"))
        .arg(dir.path())
        .env("KCERT_NOW", "2026-11-22T12:00:00Z")
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("kcert starts");

    // Wait until the UI has drawn its tree: it is running on the terminal.
    let mut screen = Vec::new();
    let mut reader = std::fs::File::from(master.as_fd().try_clone_to_owned().unwrap());
    let started = Instant::now();
    while !String::from_utf8_lossy(&screen).contains("Kubernetes CA") {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no UI: {}",
            String::from_utf8_lossy(&screen)
        );
        let mut buf = [0u8; 4096];
        match reader.read(&mut buf) {
            Ok(n) if n > 0 => screen.extend_from_slice(&buf[..n]),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }

    // Hang up: every descriptor of the master side closes.
    drop(reader);
    drop(master);
    let hung_up = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if hung_up.elapsed() > Duration::from_secs(20) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let status = status.expect("kcert was still running 20 s after its terminal hung up");
    // The same end as a SIGHUP: no error, no panic while printing to a terminal that is gone.
    assert_eq!(status.code(), Some(0), "{status:?}");
}
