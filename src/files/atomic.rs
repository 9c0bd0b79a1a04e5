//! Atomic file writes: a temp file in the target's directory, fsync, then rename.
//!
//! A reader (or a crash, or a full disk) sees the old file or the new one, never a mix.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be written. The previous file, if any, is untouched.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot write: {source}", path.display())]
pub struct WriteError {
    /// The file we tried to write.
    pub path: PathBuf,
    /// The OS error.
    pub source: std::io::Error,
}

/// Permissions for a newly created file (an existing file keeps its own).
#[derive(Debug, Clone, Copy)]
pub enum NewFileMode {
    /// 0644: reports, snapshots, baselines meant to be read and reviewed.
    Public,
    /// 0600: state files.
    Private,
}

/// Writes `contents` to `path` atomically. A target that exists and is not a regular file
/// (`-o /dev/null`, a FIFO, `/dev/stdout`) is written in place: renaming over it would replace
/// the device node with a file.
pub fn write_atomic(path: &Path, contents: &[u8], mode: NewFileMode) -> Result<(), WriteError> {
    let fail = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let mut target = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(fail)?;
        return target
            .write_all(contents)
            .and_then(|()| target.flush())
            .map_err(fail);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".sockaudit-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    temp.write_all(contents).map_err(fail)?;
    temp.as_file().sync_all().map_err(fail)?;
    set_mode(path, temp.as_file(), mode).map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    // The rename is durable once the directory entry is.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(target: &Path, temp: &std::fs::File, mode: NewFileMode) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let perms = match std::fs::metadata(target) {
        Ok(meta) if meta.is_file() => meta.permissions(),
        _ => std::fs::Permissions::from_mode(match mode {
            NewFileMode::Public => 0o644,
            NewFileMode::Private => 0o600,
        }),
    };
    temp.set_permissions(perms)
}

#[cfg(not(unix))]
fn set_mode(_target: &Path, _temp: &std::fs::File, _mode: NewFileMode) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_file_and_keeps_old_on_failure() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.json");
        write_atomic(&path, b"first", NewFileMode::Public)?;
        write_atomic(&path, b"second", NewFileMode::Public)?;
        assert_eq!(std::fs::read(&path)?, b"second");
        let missing_dir = dir.path().join("nope").join("out.json");
        let err = write_atomic(&missing_dir, b"x", NewFileMode::Public);
        assert!(err.is_err());
        assert_eq!(
            std::fs::read_dir(dir.path())?.count(),
            1,
            "no temp file left behind"
        );
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_written_in_place_not_replaced() -> Result<(), Box<dyn std::error::Error>> {
        use std::io::Read;
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir()?;
        let fifo = dir.path().join("pipe");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
            0,
        )?;
        let reader_path = fifo.clone();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(reader_path)
                .and_then(|mut f| f.read_to_string(&mut text))
                .map(|_| text)
        });
        write_atomic(&fifo, b"through the pipe", NewFileMode::Public)?;
        assert_eq!(reader.join().map_err(|_| "reader")??, "through the pipe");
        assert!(
            std::fs::metadata(&fifo)?.file_type().is_fifo(),
            "still a FIFO"
        );
        // The same path as `-o /dev/null`: it stays a character device.
        write_atomic(Path::new("/dev/null"), b"discarded", NewFileMode::Public)?;
        assert!(std::fs::metadata("/dev/null")?.file_type().is_char_device());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600() -> Result<(), Box<dyn std::error::Error>> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("state.json");
        write_atomic(&path, b"{}", NewFileMode::Private)?;
        assert_eq!(
            std::fs::metadata(&path)?.permissions().mode() & 0o777,
            0o600
        );
        Ok(())
    }
}
