//! Executables whose path the kernel will not give: `/proc/PID/exe` is read into one page, so a
//! program started from a path longer than that (deeply nested directories, each name up to 255
//! bytes) has no readable exe at all. Rules about paths (`exe-in-temp`) then cannot match it,
//! which makes the long path a way to hide; so it is said out loud instead of passing silently.

use std::collections::BTreeMap;
use std::path::Path;

use crate::model::Process;

/// Notes (and a warning) for processes whose exe link failed with `ENAMETOOLONG`.
pub fn notes(proc_root: &Path, processes: &BTreeMap<u32, Process>) -> Vec<String> {
    let hidden: Vec<u32> = processes
        .values()
        .filter(|p| p.exe.is_none())
        .filter(|p| {
            std::fs::read_link(proc_root.join(p.pid.to_string()).join("exe")).is_err_and(|e| {
                e.raw_os_error() == Some(rustix::io::Errno::NAMETOOLONG.raw_os_error())
            })
        })
        .map(|p| p.pid)
        .collect();
    if hidden.is_empty() {
        return Vec::new();
    }
    let pids: Vec<String> = hidden.iter().map(u32::to_string).collect();
    let note = format!(
        "{} process(es) run an executable whose path is too long for the kernel to report (over 4095 bytes), so rules about exe paths cannot check them: pid {}",
        hidden.len(),
        pids.join(", ")
    );
    tracing::warn!("{note}");
    vec![note]
}
