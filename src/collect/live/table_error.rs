//! netstat2's errors in words a user can act on. Its Windows variants carry the IP Helper
//! error code but print "Failed to get UDP table" for the TCP table too and drop the code.
#![cfg_attr(target_os = "linux", allow(dead_code))]

/// What went wrong reading the socket table, with the Windows function and error code.
pub fn describe(err: &netstat2::error::Error) -> String {
    use netstat2::error::Error;
    match err {
        Error::FailedToGetTcpTable(code) => windows_failure("GetExtendedTcpTable", "TCP", *code),
        Error::FailedToGetUdpTable(code) => windows_failure("GetExtendedUdpTable", "UDP", *code),
        other => other.to_string(),
    }
}

fn windows_failure(function: &str, table: &str, code: i32) -> String {
    let name = error_name(code).map_or_else(String::new, |n| format!(" ({n})"));
    format!(
        "{function} failed with Windows error {code}{name}: the {table} table could not be read; run again, and if it persists audit a saved `netstat -ano` instead (sockaudit scan --input FILE)"
    )
}

/// Names of the codes GetExtendedTcpTable/GetExtendedUdpTable document.
fn error_name(code: i32) -> Option<&'static str> {
    Some(match code {
        5 => "ERROR_ACCESS_DENIED",
        8 => "ERROR_NOT_ENOUGH_MEMORY",
        50 => "ERROR_NOT_SUPPORTED",
        87 => "ERROR_INVALID_PARAMETER",
        122 => "ERROR_INSUFFICIENT_BUFFER",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::describe;
    use netstat2::error::Error;

    #[test]
    fn the_tcp_table_is_named_with_its_function_and_code() {
        let text = describe(&Error::FailedToGetTcpTable(87));
        assert!(
            text.starts_with(
                "GetExtendedTcpTable failed with Windows error 87 (ERROR_INVALID_PARAMETER): the TCP table"
            ),
            "{text}"
        );
        let text = describe(&Error::FailedToGetUdpTable(1234));
        assert!(
            text.starts_with("GetExtendedUdpTable failed with Windows error 1234: the UDP table"),
            "{text}"
        );
        assert_eq!(describe(&Error::NotAValidSocket), "Not a valid socket");
    }
}
