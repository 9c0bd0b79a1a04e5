//! GeoIP country and ASN lookups through `maxminddb` (GeoLite2 Country/City/ASN, DB-IP).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::{Reader, geoip2};
use serde::Serialize;

use super::error::EnrichError;

/// What a database answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DbKind {
    /// Country (GeoLite2-Country, GeoLite2-City, DB-IP country/city layouts).
    Country,
    /// Autonomous system number and organisation (GeoLite2-ASN, DB-IP ASN).
    Asn,
}

/// A database's facts, for `-v` and JSON warnings.
#[derive(Debug, Clone, Serialize)]
pub struct DbInfo {
    /// The file.
    pub path: String,
    /// What it answers.
    pub kind: DbKind,
    /// `database_type` from its metadata (`GeoLite2-Country`...).
    pub database_type: String,
    /// When it was built.
    pub built: jiff::Timestamp,
    /// Whether it is mapped (trusted file) or was read into memory.
    pub mapped: bool,
}

/// The bytes behind a reader: a read-only mapping of a trusted file, or a copy in memory.
enum DbBytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl AsRef<[u8]> for DbBytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            DbBytes::Mapped(m) => m,
            DbBytes::Owned(v) => v,
        }
    }
}

/// One open database.
pub struct GeoDb {
    reader: Reader<DbBytes>,
    /// Its facts.
    pub info: DbInfo,
}

impl std::fmt::Debug for GeoDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoDb").field("info", &self.info).finish()
    }
}

/// Set by long-running commands (`watch`): read databases into memory, never map them. A
/// database rewritten in place under a mapping (`cp new.mmdb db.mmdb` by root) would change
/// under the reader, or raise SIGBUS when truncated; a copy in memory cannot.
static NEVER_MAP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes every later [`open`] read the file into memory instead of mapping it.
pub fn never_map() {
    NEVER_MAP.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Opens a database file and classifies it; a corrupt, truncated, empty or unsupported file is
/// an error naming the path and the reader's complaint.
pub fn open(path: &Path) -> Result<GeoDb, EnrichError> {
    let fail = |message: String| EnrichError::GeoIp {
        path: path.to_path_buf(),
        message,
    };
    crate::files::trust::check(path, "GeoIP database").map_err(|e| fail(e.reason()))?;
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| fail(format!("cannot stat: {e}")))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".to_string()));
    }
    if meta.len() == 0 {
        return Err(fail("empty file, not a MaxMind DB".to_string()));
    }
    if meta.len() > crate::files::limits::MAX_GEOIP_BYTES {
        return Err(fail(
            crate::files::limits::too_large(
                crate::files::limits::MAX_GEOIP_BYTES,
                "GeoIP database",
            )
            .to_string(),
        ));
    }
    let mapped = crate::files::trust::writable_only_by_us(&meta)
        && !NEVER_MAP.load(std::sync::atomic::Ordering::Relaxed);
    let bytes = if mapped {
        map(&file).map_err(|e| fail(format!("cannot map: {e}")))?
    } else {
        let bytes = crate::files::limits::read_capped(
            path,
            crate::files::limits::MAX_GEOIP_BYTES,
            "GeoIP database",
        )
        .map_err(|e| fail(format!("cannot read: {e}")))?;
        DbBytes::Owned(bytes)
    };
    let reader =
        Reader::from_source(bytes).map_err(|e| fail(format!("not a valid MaxMind DB: {e}")))?;
    let metadata = reader.metadata();
    let database_type = metadata.database_type.clone();
    let lower = database_type.to_ascii_lowercase();
    let kind = if lower.contains("asn") {
        DbKind::Asn
    } else if lower.contains("country") || lower.contains("city") {
        DbKind::Country
    } else {
        return Err(fail(format!(
            "unsupported database type `{database_type}` (expected a Country, City or ASN database)"
        )));
    };
    let built = i64::try_from(metadata.build_epoch)
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    Ok(GeoDb {
        reader,
        info: DbInfo {
            path: path.display().to_string(),
            kind,
            database_type,
            built,
            mapped,
        },
    })
}

/// Maps a file read-only.
#[allow(unsafe_code)]
fn map(file: &std::fs::File) -> std::io::Result<DbBytes> {
    // SAFETY: a mapping is sound while nobody modifies the file in place. We map only files
    // that `crate::files::trust::writable_only_by_us` accepts: regular files owned by root or by us and not writable by
    // group or others, so only root or we could change them. Database updates (geoipupdate,
    // our docs) replace the file by rename, which leaves this mapping on the old inode intact.
    // An in-place truncation by root would raise SIGBUS (a crash, not silent corruption), and
    // root can do worse to this process anyway. Untrusted files are read into memory instead.
    let map = unsafe { memmap2::Mmap::map(file)? };
    Ok(DbBytes::Mapped(map))
}

impl GeoDb {
    /// The ISO country code: `country`, else `registered_country` (anycast and mobile
    /// networks often have only the latter).
    pub fn country(&self, ip: IpAddr) -> Result<Option<String>, String> {
        let result = self.reader.lookup(ip).map_err(|e| e.to_string())?;
        let record: Option<geoip2::Country> = result.decode().map_err(|e| e.to_string())?;
        Ok(record.and_then(|r| {
            r.country
                .iso_code
                .or(r.registered_country.iso_code)
                .map(str::to_string)
        }))
    }

    /// The AS number and organisation.
    pub fn asn(&self, ip: IpAddr) -> Result<(Option<u32>, Option<String>), String> {
        let result = self.reader.lookup(ip).map_err(|e| e.to_string())?;
        let record: Option<geoip2::Asn> = result.decode().map_err(|e| e.to_string())?;
        Ok(record.map_or((None, None), |r| {
            (
                r.autonomous_system_number,
                r.autonomous_system_organization.map(str::to_string),
            )
        }))
    }
}

/// Where `geoipupdate` and distributions put databases on this system (`/usr/share/GeoIP`,
/// `/var/lib/GeoIP`; `%ProgramData%\sockaudit\GeoIP` and geoipupdate's folder on Windows).
pub fn standard_dirs() -> Vec<PathBuf> {
    crate::files::places::Places::current().geoip_dirs
}

/// `*.mmdb` files in the standard directories (or in the directories of
/// `SOCKAUDIT_GEOIP_DIRS` when set, separated as `PATH` is), sorted.
pub fn standard_files() -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = match std::env::var_os("SOCKAUDIT_GEOIP_DIRS") {
        Some(list) => std::env::split_paths(&list).collect(),
        None => standard_dirs(),
    };
    let mut files = Vec::new();
    for dir in dirs {
        if let Ok(entries) = std::fs::read_dir(dir) {
            files.extend(
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "mmdb")),
            );
        }
    }
    files.sort();
    files
}
