//! `/proc/PID/cmdline` read with a bounded buffer.
//!
//! A process chooses its argv: up to a few MiB through execve, more by rewriting its argument
//! area, and the kernel then reads on into the environment. sysinfo reads the whole file; this
//! reads at most [`crate::files::limits::MAX_CMDLINE_BYTES`] so a hostile process cannot make the
//! scanner hold megabytes per socket.

use std::io::Read;

/// A command line as the kernel gave it, possibly cut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cmdline {
    /// Arguments as bytes (NUL-separated in the file).
    pub args: Vec<Vec<u8>>,
    /// More bytes followed the cap; the last argument may be cut.
    pub truncated: bool,
}

/// Reads the command line of `pid` under `proc_root` (normally `/proc`), at most `cap` bytes.
/// `None` when it cannot be read (exited, permission, kernel thread reads as empty).
pub fn read(proc_root: &std::path::Path, pid: u32, cap: usize) -> Option<Cmdline> {
    let file = std::fs::File::open(proc_root.join(pid.to_string()).join("cmdline")).ok()?;
    let mut bytes = Vec::with_capacity(cap.min(4096));
    // One byte past the cap tells a cut line from one exactly `cap` long.
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit).read_to_end(&mut bytes).ok()?;
    Some(split(bytes, cap))
}

/// Splits the NUL-separated bytes; anything past `cap` is dropped and flagged.
pub fn split(mut bytes: Vec<u8>, cap: usize) -> Cmdline {
    let truncated = bytes.len() > cap;
    bytes.truncate(cap);
    // The file ends in NUL; a process that rewrote its argv may leave none.
    if bytes.last() == Some(&0) {
        bytes.pop();
    }
    if bytes.is_empty() {
        return Cmdline {
            args: Vec::new(),
            truncated,
        };
    }
    Cmdline {
        args: bytes.split(|&b| b == 0).map(<[u8]>::to_vec).collect(),
        truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_nul_and_flags_a_cut_line() {
        assert_eq!(
            split(b"sh\0-c\0echo hi\0".to_vec(), 100),
            Cmdline {
                args: vec![b"sh".to_vec(), b"-c".to_vec(), b"echo hi".to_vec()],
                truncated: false
            }
        );
        let cut = split(b"aaaa\0bbbbbbbb\0".to_vec(), 8);
        assert_eq!(cut.args, vec![b"aaaa".to_vec(), b"bbb".to_vec()]);
        assert!(cut.truncated);
        assert_eq!(split(Vec::new(), 8), Cmdline::default());
        // A rewritten argv without the final NUL, with an empty argument inside.
        assert_eq!(split(b"x\0\0y".to_vec(), 8).args.len(), 3);
    }

    #[test]
    fn reads_our_own_command_line_within_the_cap() {
        let me = std::process::id();
        let full = read(std::path::Path::new("/proc"), me, 1 << 20).unwrap_or_default();
        assert!(!full.args.is_empty());
        assert!(!full.truncated);
        let cut = read(std::path::Path::new("/proc"), me, 3).unwrap_or_default();
        assert!(cut.truncated);
        assert!(cut.args.iter().map(Vec::len).sum::<usize>() <= 3);
    }
}
