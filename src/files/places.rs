//! Where sockaudit's own files live on this system: rule directories, the state file, GeoIP
//! databases and the services file. Unix follows the FHS and XDG; Windows keeps machine-wide
//! files under `%ProgramData%\sockaudit` (what an elevated Task Scheduler job sees) and a
//! user's under `%APPDATA%` / `%LOCALAPPDATA%`.
//!
//! The choice is a pure function of the platform and the environment ([`Places::for_platform`]),
//! so the Windows layout is tested on every build.

use std::ffi::OsString;
use std::path::PathBuf;

/// Which layout to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Linux, macOS, the BSDs.
    Unix,
    /// Windows.
    Windows,
}

impl Platform {
    /// The platform this binary was built for.
    pub const CURRENT: Platform = if cfg!(windows) {
        Platform::Windows
    } else {
        Platform::Unix
    };
}

/// The standard locations of one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Places {
    /// Machine-wide rule directory (`/etc/sockaudit/rules.d`, `%ProgramData%\sockaudit\rules.d`).
    pub system_rules: PathBuf,
    /// The user's rule directory, when the environment names a home.
    pub user_rules: Option<PathBuf>,
    /// The state file of a privileged run (root, or an elevated Windows token).
    pub system_state: PathBuf,
    /// The state file of an unprivileged run.
    pub user_state: PathBuf,
    /// Directories searched for `*.mmdb` GeoIP databases, in order.
    pub geoip_dirs: Vec<PathBuf>,
    /// The port → service name table (`/etc/services`, its Windows copy under `drivers\etc`).
    pub services: PathBuf,
}

impl Places {
    /// This system's locations, from the process environment.
    pub fn current() -> Places {
        Places::for_platform(Platform::CURRENT, |name| std::env::var_os(name))
    }

    /// The locations of `platform` given an environment lookup (empty variables count as unset).
    pub fn for_platform(platform: Platform, env: impl Fn(&str) -> Option<OsString>) -> Places {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        match platform {
            Platform::Unix => {
                let home = var("HOME").map(PathBuf::from);
                let config = var("XDG_CONFIG_HOME")
                    .map(PathBuf::from)
                    .or_else(|| home.as_ref().map(|h| h.join(".config")));
                let state = var("XDG_STATE_HOME")
                    .map(PathBuf::from)
                    .or_else(|| home.as_ref().map(|h| h.join(".local").join("state")))
                    .unwrap_or_else(|| PathBuf::from("."));
                Places {
                    system_rules: PathBuf::from("/etc/sockaudit/rules.d"),
                    user_rules: config.map(|c| c.join("sockaudit").join("rules.d")),
                    system_state: PathBuf::from("/var/lib/sockaudit/state.json"),
                    user_state: state.join("sockaudit").join("state.json"),
                    geoip_dirs: vec![
                        PathBuf::from("/usr/share/GeoIP"),
                        PathBuf::from("/var/lib/GeoIP"),
                    ],
                    services: PathBuf::from("/etc/services"),
                }
            }
            Platform::Windows => {
                // Joined with `\` as text, not Path::join, so the Windows layout reads the same
                // when a test computes it on a Unix build.
                let under = |base: OsString, parts: &[&str]| {
                    let mut path = base.to_string_lossy().trim_end_matches('\\').to_string();
                    for part in parts {
                        path.push('\\');
                        path.push_str(part);
                    }
                    PathBuf::from(path)
                };
                let program_data =
                    var("ProgramData").unwrap_or_else(|| OsString::from(r"C:\ProgramData"));
                let system_root =
                    var("SystemRoot").unwrap_or_else(|| OsString::from(r"C:\Windows"));
                let local = var("LOCALAPPDATA")
                    .or_else(|| var("APPDATA"))
                    .unwrap_or_else(|| OsString::from("."));
                Places {
                    system_rules: under(program_data.clone(), &["sockaudit", "rules.d"]),
                    user_rules: var("APPDATA").map(|a| under(a, &["sockaudit", "rules.d"])),
                    system_state: under(program_data.clone(), &["sockaudit", "state.json"]),
                    user_state: under(local, &["sockaudit", "state.json"]),
                    geoip_dirs: vec![
                        under(program_data.clone(), &["sockaudit", "GeoIP"]),
                        // geoipupdate's default DatabaseDirectory on Windows.
                        under(program_data, &["MaxMind", "GeoIPUpdate", "GeoIP"]),
                    ],
                    services: under(system_root, &["System32", "drivers", "etc", "services"]),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::{Places, Platform};

    fn with(vars: &[(&str, &str)], platform: Platform) -> Places {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Places::for_platform(platform, |name| map.get(name).map(Into::into))
    }

    #[test]
    fn windows_keeps_machine_files_under_program_data_and_user_files_under_app_data() {
        let places = with(
            &[
                ("ProgramData", r"D:\ProgramData"),
                ("APPDATA", r"C:\Users\ana\AppData\Roaming"),
                ("LOCALAPPDATA", r"C:\Users\ana\AppData\Local"),
                ("SystemRoot", r"C:\WINDOWS"),
                ("HOME", "/ignored"),
            ],
            Platform::Windows,
        );
        assert_eq!(
            places.system_rules,
            PathBuf::from(r"D:\ProgramData\sockaudit\rules.d")
        );
        assert_eq!(
            places.user_rules,
            Some(PathBuf::from(
                r"C:\Users\ana\AppData\Roaming\sockaudit\rules.d"
            ))
        );
        assert_eq!(
            places.system_state,
            PathBuf::from(r"D:\ProgramData\sockaudit\state.json")
        );
        assert_eq!(
            places.user_state,
            PathBuf::from(r"C:\Users\ana\AppData\Local\sockaudit\state.json")
        );
        assert_eq!(
            places.geoip_dirs,
            vec![
                PathBuf::from(r"D:\ProgramData\sockaudit\GeoIP"),
                PathBuf::from(r"D:\ProgramData\MaxMind\GeoIPUpdate\GeoIP"),
            ]
        );
        assert_eq!(
            places.services,
            PathBuf::from(r"C:\WINDOWS\System32\drivers\etc\services")
        );
    }

    #[test]
    fn windows_without_its_variables_uses_the_stock_folders() {
        let places = with(&[("ProgramData", "")], Platform::Windows);
        assert_eq!(
            places.system_rules,
            PathBuf::from(r"C:\ProgramData\sockaudit\rules.d")
        );
        assert_eq!(places.user_rules, None);
        assert_eq!(
            places.services,
            PathBuf::from(r"C:\Windows\System32\drivers\etc\services")
        );
    }

    #[test]
    fn unix_follows_xdg_with_home_as_fallback() {
        let places = with(&[("HOME", "/home/ana")], Platform::Unix);
        assert_eq!(
            places.user_rules,
            Some(PathBuf::from("/home/ana/.config/sockaudit/rules.d"))
        );
        assert_eq!(
            places.user_state,
            PathBuf::from("/home/ana/.local/state/sockaudit/state.json")
        );
        let places = with(
            &[
                ("HOME", "/home/ana"),
                ("XDG_CONFIG_HOME", "/cfg"),
                ("XDG_STATE_HOME", "/st"),
            ],
            Platform::Unix,
        );
        assert_eq!(
            places.user_rules,
            Some(PathBuf::from("/cfg/sockaudit/rules.d"))
        );
        assert_eq!(places.user_state, PathBuf::from("/st/sockaudit/state.json"));
        assert_eq!(places.system_rules, PathBuf::from("/etc/sockaudit/rules.d"));
        assert_eq!(places.services, PathBuf::from("/etc/services"));
    }
}
