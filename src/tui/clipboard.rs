//! The terminal's clipboard through OSC 52: the terminal emulator itself sets its clipboard,
//! so copying works over SSH and from inside tmux (with `set-clipboard on`), where no local
//! clipboard tool could reach the operator's desktop.

use base64::Engine;
use ratatui::backend::{CrosstermBackend, TestBackend};

/// `ESC ] 52 ; c ; <base64> BEL`: put `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{data}\x07")
}

/// A terminal backend that escape sequences can be written through, between two frames.
pub trait RawWrite {
    fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()>;
}

impl<W: std::io::Write> RawWrite for CrosstermBackend<W> {
    fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        self.write_all(bytes)?;
        self.flush()
    }
}

/// A test terminal has no clipboard; what would be copied is in the `Cmd::Copy` tests see.
impl RawWrite for TestBackend {
    fn write_raw(&mut self, _: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_travels_base64_encoded_in_one_osc_52_sequence() {
        assert_eq!(
            osc52("/etc/kubernetes/pki/ca.crt"),
            "\x1b]52;c;L2V0Yy9rdWJlcm5ldGVzL3BraS9jYS5jcnQ=\x07"
        );
    }
}
