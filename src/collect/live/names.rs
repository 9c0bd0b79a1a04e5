//! Process names and command lines as the live collector keeps them: bytes decoded by
//! [`crate::model::raw`] (exact bytes kept when not UTF-8), command lines read with a bounded buffer.

/// The command line (text, exact bytes when not UTF-8, and `[cmdline]` when it was cut at
/// [`crate::files::limits::MAX_CMDLINE_BYTES`]).
pub fn command_line(
    pid: u32,
    sysinfo_cmd: &[std::ffi::OsString],
) -> (
    Vec<String>,
    Option<Vec<crate::model::raw::RawBytes>>,
    Vec<crate::model::Fact>,
) {
    #[cfg(target_os = "linux")]
    {
        let _ = sysinfo_cmd;
        let cmd = super::linux::cmdline::read(
            std::path::Path::new("/proc"),
            pid,
            crate::files::limits::MAX_CMDLINE_BYTES,
        )
        .unwrap_or_default();
        let (text, raw) = crate::model::raw::decode_all(&cmd.args);
        let cut = if cmd.truncated {
            vec![crate::model::Fact::Cmdline]
        } else {
            Vec::new()
        };
        (text, raw, cut)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        let args: Vec<(String, Option<crate::model::raw::RawBytes>)> = sysinfo_cmd
            .iter()
            .map(|a| crate::model::raw::decode_os(a))
            .collect();
        let any_raw = args.iter().any(|(_, r)| r.is_some());
        let raw = any_raw.then(|| {
            args.iter()
                .map(|(t, r)| {
                    r.clone()
                        .unwrap_or_else(|| crate::model::raw::RawBytes(t.clone().into_bytes()))
                })
                .collect()
        });
        (args.into_iter().map(|(t, _)| t).collect(), raw, Vec::new())
    }
}
