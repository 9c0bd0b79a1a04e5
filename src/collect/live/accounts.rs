//! User names of uids, through the system's own account lookup (`getpwuid_r`: /etc/passwd,
//! LDAP, sssd). sysinfo's user list is not used for names: it skips accounts whose shell is
//! `/bin/false` or `nologin` (mysql, memcache, Debian-snmp), exactly the service accounts that
//! own listeners (FIELD-NOTES.md).

use std::collections::BTreeMap;

/// Resolves uids to names, each uid once per scan.
#[derive(Debug, Default)]
pub struct Accounts {
    names: BTreeMap<u32, Option<String>>,
}

impl Accounts {
    /// The name of `uid`, or `None` when no account has it (a uid of a deleted account, or of
    /// another container's user database).
    pub fn name(&mut self, uid: u32) -> Option<String> {
        self.names.entry(uid).or_insert_with(|| lookup(uid)).clone()
    }
}

#[cfg(unix)]
fn lookup(uid: u32) -> Option<String> {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(user) => user.map(|u| u.name),
        Err(err) => {
            // A broken NSS module must not stop the scan: the uid is still reported.
            tracing::debug!("cannot look up the name of uid {uid}: {err}");
            None
        }
    }
}

#[cfg(not(unix))]
fn lookup(_uid: u32) -> Option<String> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::Accounts;

    #[test]
    fn root_is_root_and_an_unused_uid_has_no_name() {
        let mut accounts = Accounts::default();
        assert_eq!(accounts.name(0).as_deref(), Some("root"));
        // 4294967294 is (uid_t)-2, "nobody" on some systems; -3 is used by nothing.
        assert_eq!(accounts.name(4_294_967_293), None);
    }
}
