//! Account names of SIDs (`NT AUTHORITY\SYSTEM`, `NT AUTHORITY\LOCAL SERVICE`, `HOST\ana`).
//! sysinfo's user list holds local accounts only, so the service accounts that own most
//! listeners would have no name; `LookupAccountSidW` names every SID the machine knows.

use std::collections::BTreeMap;

/// Resolves SIDs (in `S-1-5-18` form) to `DOMAIN\name`, each SID once per scan.
#[derive(Debug, Default)]
pub struct SidNames {
    names: BTreeMap<String, Option<String>>,
}

impl SidNames {
    /// The account name of `sid`, or `None` when no account has it (a deleted account, a
    /// domain controller out of reach).
    pub fn name(&mut self, sid: &str) -> Option<String> {
        self.names
            .entry(sid.to_string())
            .or_insert_with(|| lookup(sid))
            .clone()
    }
}

/// `DOMAIN\name`, or just `name` for accounts without a domain.
pub fn qualified(domain: &str, name: &str) -> String {
    if domain.is_empty() {
        name.to_string()
    } else {
        format!("{domain}\\{name}")
    }
}

#[allow(unsafe_code)]
fn lookup(sid: &str) -> Option<String> {
    use windows::Win32::Foundation::{HLOCAL, LocalFree};
    use windows::Win32::Security::Authorization::ConvertStringSidToSidW;
    use windows::Win32::Security::{LookupAccountSidW, PSID, SID_NAME_USE};
    use windows::core::{HSTRING, PCWSTR, PWSTR};

    let text = HSTRING::from(sid);
    let mut psid = PSID::default();
    // SAFETY: `text` is a NUL-terminated wide string that outlives the call; `psid` receives
    // a LocalAlloc'd SID that is freed below.
    if let Err(err) = unsafe { ConvertStringSidToSidW(PCWSTR(text.as_ptr()), &mut psid) } {
        tracing::debug!("ConvertStringSidToSidW({sid}) failed: {err}");
        return None;
    }
    let mut name = vec![0u16; 256];
    let mut domain = vec![0u16; 256];
    let mut name_len = u32::try_from(name.len()).unwrap_or(0);
    let mut domain_len = u32::try_from(domain.len()).unwrap_or(0);
    let mut kind = SID_NAME_USE::default();
    // SAFETY: both buffers are as long as the lengths passed; `psid` is the valid SID from
    // above. Names longer than 256 UTF-16 units fail with ERROR_INSUFFICIENT_BUFFER and are
    // reported as unknown (account names are at most 256 characters on Windows).
    let result = unsafe {
        LookupAccountSidW(
            PCWSTR::null(),
            psid,
            Some(PWSTR(name.as_mut_ptr())),
            &mut name_len,
            Some(PWSTR(domain.as_mut_ptr())),
            &mut domain_len,
            &mut kind,
        )
    };
    // SAFETY: `psid` was allocated by ConvertStringSidToSidW with LocalAlloc; freed once.
    unsafe { LocalFree(Some(HLOCAL(psid.0))) };
    if let Err(err) = result {
        tracing::debug!("LookupAccountSidW({sid}) failed: {err}");
        return None;
    }
    let take = |buf: &[u16], len: u32| {
        let len = usize::try_from(len).unwrap_or(0).min(buf.len());
        String::from_utf16_lossy(&buf[..len])
    };
    Some(qualified(
        &take(&domain, domain_len),
        &take(&name, name_len),
    ))
}

#[cfg(test)]
mod tests {
    use super::{SidNames, qualified};

    #[test]
    fn names_are_domain_qualified() {
        assert_eq!(qualified("NT AUTHORITY", "SYSTEM"), r"NT AUTHORITY\SYSTEM");
        assert_eq!(qualified("", "Everyone"), "Everyone");
    }

    /// Well-known SIDs resolve on every Windows machine (and under Wine).
    #[test]
    fn local_system_has_a_name_and_a_malformed_sid_has_none() {
        let mut names = SidNames::default();
        let system = names.name("S-1-5-18").unwrap_or_default();
        assert!(system.ends_with("SYSTEM"), "S-1-5-18 named {system:?}");
        assert_eq!(names.name("not a sid"), None);
    }
}
