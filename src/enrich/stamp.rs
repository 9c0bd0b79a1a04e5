//! Which version of a file was loaded: enough to notice that a GeoIP database or feed was
//! replaced (renamed over, or rewritten in place) while `watch` runs, so it can reload.

use std::path::{Path, PathBuf};

/// Identity and version of a file: device, inode, size and modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileStamp {
    /// The stamp of `path` now; `None` when it cannot be read.
    pub fn of(path: &Path) -> Option<FileStamp> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        Some(FileStamp {
            dev,
            ino,
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// The stamps of every file an enricher loaded.
#[derive(Debug, Clone, Default)]
pub struct Stamps(Vec<(PathBuf, Option<FileStamp>)>);

impl Stamps {
    /// Remembers `path` as it is now.
    pub fn record(&mut self, path: &Path) {
        self.0.push((path.to_path_buf(), FileStamp::of(path)));
    }

    /// The first file that is not what was loaded any more.
    pub fn changed(&self) -> Option<&Path> {
        self.0
            .iter()
            .find(|(path, stamp)| FileStamp::of(path) != *stamp)
            .map(|(path, _)| path.as_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_or_rewrite_is_noticed() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("db");
        std::fs::write(&path, b"one").unwrap_or_else(|e| panic!("{e}"));
        let mut stamps = Stamps::default();
        stamps.record(&path);
        assert_eq!(stamps.changed(), None);
        // Replaced by rename: a new inode.
        let next = dir.path().join("db.new");
        std::fs::write(&next, b"two").unwrap_or_else(|e| panic!("{e}"));
        std::fs::rename(&next, &path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stamps.changed(), Some(path.as_path()));
        let mut stamps = Stamps::default();
        stamps.record(&path);
        // Rewritten in place with another size.
        std::fs::write(&path, b"three").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stamps.changed(), Some(path.as_path()));
    }
}
