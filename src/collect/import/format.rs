//! The capture formats (`--input-format`) and how to read a capture (`--encoding`,
//! `--strict`, `--all-blocks`, `--processes`).

use std::fmt;
use std::path::PathBuf;

use super::text::TextEncoding;
use crate::model::Attribution;

/// The formats `--input-format` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// sockaudit's own snapshot JSON (`sockaudit snapshot`, `list --format json`).
    Snapshot,
    /// Windows `netstat -an`, `-ano`, `-abno`, `-anbv`, `-on 5`, localized.
    NetstatWindows,
    /// Linux net-tools `netstat -tunap`, `-alpn`, `-tulpen`, localized.
    NetstatLinux,
    /// macOS `netstat -an`, `-anv` (PIDs), `-A`, `-b`.
    NetstatMacos,
    /// iproute2 `ss -tunap` (with or without Netid, `-e` extras).
    Ss,
    /// `lsof -i -nP` (Linux and macOS).
    Lsof,
    /// Sysinternals TCPView's saved text or CSV.
    Tcpview,
    /// Sysinternals `tcpvcon -a -c`.
    Tcpvcon,
    /// FreeBSD `netstat -an`, `-aT`, `-aA`, `-ax`, `-aL`.
    NetstatFreebsd,
    /// FreeBSD `sockstat -46` (`-l`, `-c`, `-s`...).
    Sockstat,
}

impl Format {
    /// Every format, in the order `--input-format` lists them.
    pub const ALL: [Format; 10] = [
        Format::Snapshot,
        Format::NetstatWindows,
        Format::NetstatLinux,
        Format::NetstatMacos,
        Format::NetstatFreebsd,
        Format::Sockstat,
        Format::Ss,
        Format::Lsof,
        Format::Tcpview,
        Format::Tcpvcon,
    ];

    /// The name `--input-format` takes and the source label shows.
    pub fn name(self) -> &'static str {
        match self {
            Format::Snapshot => "snapshot",
            Format::NetstatWindows => "netstat-windows",
            Format::NetstatLinux => "netstat-linux",
            Format::NetstatMacos => "netstat-macos",
            Format::Ss => "ss",
            Format::Lsof => "lsof",
            Format::Tcpview => "tcpview",
            Format::Tcpvcon => "tcpvcon",
            Format::NetstatFreebsd => "netstat-freebsd",
            Format::Sockstat => "sockstat",
        }
    }

    /// Looks up a name (`auto` is handled by the caller).
    pub fn from_name(name: &str) -> Option<Format> {
        let name = name.trim().to_ascii_lowercase();
        let name = match name.as_str() {
            "json" => "snapshot",
            "windows" | "netstat-win" => "netstat-windows",
            "netstat" | "net-tools" => "netstat-linux",
            "netstat-darwin" | "netstat-osx" | "macos" | "darwin" => "netstat-macos",
            "netstat-bsd" | "freebsd" => "netstat-freebsd",
            other => other,
        };
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// `auto` and every name, for messages.
    pub fn supported() -> String {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!("auto, {}", names.join(", "))
    }

    /// How the tool found owners: Linux tools and sockstat read each process's fds; Windows
    /// reports them.
    pub(super) fn attribution(self) -> Attribution {
        match self {
            Format::NetstatLinux | Format::Ss | Format::Lsof | Format::Sockstat => Attribution::Fd,
            _ => Attribution::Reported,
        }
    }

    /// The tool, for notes.
    pub(super) fn tool(self) -> &'static str {
        match self {
            Format::Snapshot => "snapshot",
            Format::NetstatWindows => "Windows netstat",
            Format::NetstatLinux => "Linux netstat",
            Format::NetstatMacos => "macOS netstat",
            Format::Ss => "ss",
            Format::Lsof => "lsof",
            Format::Tcpview => "TCPView",
            Format::Tcpvcon => "tcpvcon",
            Format::NetstatFreebsd => "FreeBSD netstat",
            Format::Sockstat => "sockstat",
        }
    }

    pub(super) fn pid_advice(self) -> &'static str {
        match self {
            Format::NetstatWindows => {
                "capture with -o (netstat -abno in an administrator prompt); rules on processes cannot check anything"
            }
            Format::NetstatLinux | Format::Ss => {
                "capture with -p as root; rules on processes cannot check anything"
            }
            Format::NetstatMacos => {
                "capture with -anv (the pid column) as root, or with `lsof -i -nP`; rules on processes cannot check anything"
            }
            Format::NetstatFreebsd => {
                "BSD netstat never shows owners: capture `sockstat -46s` as root as well; rules on processes cannot check anything"
            }
            _ => "rules on processes cannot check anything",
        }
    }

    pub(super) fn name_advice(self) -> &'static str {
        match self {
            Format::NetstatWindows => {
                "capture with -b as administrator, or pass --processes with `tasklist /fo csv` output"
            }
            Format::NetstatMacos => {
                "macOS 14 and later print process:pid with -anv; else capture `lsof -i -nP` as well; rules on process names cannot check anything"
            }
            _ => "rules on process names cannot check anything",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to read a capture (`--input-format`, `--encoding`, `--strict`, `--all-blocks`,
/// `--processes`).
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The format; `None` detects it from the text.
    pub format: Option<Format>,
    /// The encoding; `None` detects it (BOM, validity, vocabulary).
    pub encoding: Option<TextEncoding>,
    /// Any skipped line is an error.
    pub strict: bool,
    /// Every block (`netstat -on 5`) instead of the last.
    pub all_blocks: bool,
    /// A `tasklist /fo csv` file mapping PIDs to image names (Windows).
    pub processes: Option<PathBuf>,
}

/// `--input-format`: a format, or `auto` (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatChoice(pub Option<Format>);
