//! The terminal's input, read on a thread of its own and handed to the UI loop as a stream.
//!
//! crossterm's reader retries at once when a read returns end-of-file or an error, which is
//! what a hung-up terminal answers forever (the SSH connection dropped, the window closed,
//! and no SIGHUP reached kcert because it was not the session's leader). Polled on the UI
//! loop's own thread, that retry loop never gives the loop back, so nothing could notice the
//! terminal was gone and the UI spun at full speed until killed. On this thread it spins
//! only until the loop, still free, sees the dead terminal and ends the process.

use crossterm::event::Event;
use futures::stream::{BoxStream, StreamExt};

/// Every terminal event in order; an error ends the stream after it is delivered.
pub fn events() -> std::io::Result<BoxStream<'static, std::io::Result<Event>>> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("kcert-input".into())
        .spawn(move || loop {
            let event = crossterm::event::read();
            let failed = event.is_err();
            // The UI has ended (receiver dropped) or the terminal failed: stop reading.
            if tx.send(event).is_err() || failed {
                break;
            }
        })?;
    Ok(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (event, rx))
    })
    .boxed())
}
