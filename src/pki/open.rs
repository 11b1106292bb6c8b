//! Opening and reading the files a scan (and anything that reads a node's files) looks at:
//! never blocking on a FIFO, never reading without bound, with as few system calls as a
//! walk of thousands of small files can afford.

use std::fs::{File, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use super::walk::MAX_FILE_SIZE;

/// Open `path` for reading only if it leads to a regular file. Opening is non-blocking, so a
/// FIFO (or a device) named by a kubeconfig or on the command line is refused at once
/// instead of hanging the read. Returns the file and its metadata (one fstat).
pub fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if meta.is_file() {
        Ok((file, meta))
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, socket or device); not read",
        ))
    }
}

/// Open for reading without blocking: a file the walk saw as regular may have been replaced
/// by a FIFO since, and reads are bounded anyway.
pub fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

/// Opens files the way [`open_nonblocking`] does, keeping the last directory open so that
/// the next file in it is opened by its name alone: the kernel then looks up one path
/// component instead of every one, for each of thousands of files in a few directories.
#[derive(Default)]
pub struct Opener {
    dir: Option<(PathBuf, rustix::fd::OwnedFd)>,
}

impl Opener {
    pub fn open(&mut self, path: &Path) -> io::Result<File> {
        use rustix::fs::{Mode, OFlags};
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        let (Some(parent), Some(name)) = (parent, path.file_name()) else {
            return open_nonblocking(path);
        };
        let cached = |d: &(PathBuf, _)| d.0.as_os_str() == parent.as_os_str();
        if !self.dir.as_ref().is_some_and(cached) {
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
            self.dir = rustix::fs::open(parent, flags, Mode::empty())
                .ok()
                .map(|fd| (parent.to_path_buf(), fd));
        }
        let Some((_, dir)) = &self.dir else {
            // The directory could not be opened: the whole path says why.
            return open_nonblocking(path);
        };
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
        match rustix::fs::openat(dir, name, flags, Mode::empty()) {
            Ok(fd) => Ok(File::from(fd)),
            // The directory may have been swapped since it was opened (a volume's `..data`
            // symlink moved to a new directory): the whole path is what counts.
            Err(rustix::io::Errno::NOENT) => {
                self.dir = None;
                open_nonblocking(path)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// A regular file's bytes, at most one past the limit whatever the file holds (or grew to
/// since the walk). A read that returns less than it was asked for, within the file's first
/// page, has met its end: the kernel reads a page whole or fails, so a small file costs one
/// read, not a second one that returns nothing. Past the first page a short read may hide an
/// error on a later page (or come from a network file system), so the next read says.
pub fn read_bounded(file: &mut File, len: Option<u64>) -> io::Result<Vec<u8>> {
    const PAGE: usize = 4096;
    let limit = MAX_FILE_SIZE as usize + 1;
    let mut bytes = vec![0; len.map_or(8 * 1024, |l| (l as usize + 1).min(limit))];
    let mut filled = 0;
    loop {
        if filled == bytes.len() {
            if filled == limit {
                break;
            }
            bytes.resize((filled * 2).min(limit), 0);
        }
        let asked = bytes.len() - filled;
        match io::Read::read(file, &mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if n < asked && filled < PAGE {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opening by name within the last directory gives the same file and the same errors as
    /// opening the whole path, across directories, through a symlinked directory, and for a
    /// file that is not there.
    #[test]
    fn the_opener_opens_what_the_path_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).expect("dir");
        std::fs::create_dir(&b).expect("dir");
        std::os::unix::fs::symlink(&a, dir.path().join("link")).expect("symlink");
        let files = [
            (a.join("x.crt"), "ax"),
            (a.join("y.crt"), "ay"),
            (b.join("x.crt"), "bx"),
        ];
        for (path, text) in &files {
            std::fs::write(path, text).expect("write");
        }
        let mut opener = Opener::default();
        let read = |opener: &mut Opener, path: &Path| {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut opener.open(path)?, &mut text)?;
            Ok::<_, std::io::Error>(text)
        };
        for (path, text) in files.iter().chain(&files).rev() {
            assert_eq!(read(&mut opener, path).expect("read"), *text, "{path:?}");
        }
        let through = dir.path().join("link").join("y.crt");
        assert_eq!(read(&mut opener, &through).expect("read"), "ay");
        let gone = read(&mut opener, &a.join("gone.crt")).expect_err("missing");
        assert_eq!(gone.kind(), std::io::ErrorKind::NotFound);
        let no_dir = read(&mut opener, &dir.path().join("none").join("x.crt")).expect_err("no dir");
        assert_eq!(no_dir.kind(), std::io::ErrorKind::NotFound);
        // A file where a directory should be: the same error as opening the whole path.
        let under_file = a.join("x.crt").join("y.crt");
        let ours = read(&mut opener, &under_file).expect_err("not a directory");
        let whole = open_nonblocking(&under_file).expect_err("not a directory");
        assert_eq!(ours.kind(), whole.kind());
        assert_eq!(ours.to_string(), whole.to_string());
    }

    /// A file comes back whole whatever its size against the first buffer (8 KiB for walked
    /// files, its size plus one otherwise), and never more than one byte past the limit.
    #[test]
    fn files_are_read_whole_and_at_most_one_byte_past_the_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let limit = MAX_FILE_SIZE as usize;
        for size in [
            0,
            1,
            8191,
            8192,
            8193,
            20_000,
            limit,
            limit + 1,
            limit + 5000,
        ] {
            let path = dir.path().join(format!("f-{size}"));
            let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &bytes).expect("write");
            for hint in [None, Some(size as u64)] {
                let mut file = std::fs::File::open(&path).expect("open");
                let read = read_bounded(&mut file, hint).expect("read");
                let want = &bytes[..size.min(limit + 1)];
                assert!(
                    read == want,
                    "size {size}, hint {hint:?}: {} bytes",
                    read.len()
                );
            }
        }
    }
}
