//! A capture never becomes an empty or mostly missing table that scans clean (issue #20): a
//! header without rows, a file whose socket rows are mostly unreadable, and other netstat modes
//! saved by mistake (`-i`, `-s`, `-e`) exit 2, name the format they looked like or what they
//! are, and list the supported formats; nothing is scanned.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sockaudit;

fn run_on(text: &str, command: &str) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capture.txt");
    std::fs::write(&path, text).unwrap();
    let out = sockaudit()
        .args([command, "--input"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

#[test]
fn a_header_without_rows_is_not_a_clean_machine() {
    let text = "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n";
    for command in ["scan", "list"] {
        let (code, out, err) = run_on(text, command);
        assert_eq!(code, Some(2), "{command}: {out}{err}");
        assert!(out.is_empty(), "nothing scanned: {out}");
        assert!(
            err.contains("read as ss output, but it holds a column header and no socket row"),
            "{err}"
        );
        assert!(
            err.contains("--input-format with one of: auto, snapshot"),
            "{err}"
        );
    }
}

#[test]
fn mostly_unreadable_rows_are_an_error_not_a_short_table() {
    let text = "\
Active Internet connections (servers and established)
Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
tcp        0      0 127.0.0.1:631           0.0.0.0:*               LISTEN      700/cupsd
tcp        0      0 garbage here            nothing                 LISTEN      1/x
tcp        0      0 10.0.0.5:                 ::ffff:10.0.0.9:x       ESTABLISHED 2/y
tcp        0      0 [fe80::1                0.0.0.0:*               LISTEN      3/z
";
    let (code, out, err) = run_on(text, "scan");
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("read as netstat-linux output, but 3 of 4 socket row(s) could not be read (first: line 4:"),
        "{err}"
    );
}

#[test]
fn other_netstat_modes_are_named() {
    let cases = [
        (
            "Kernel Interface table\nIface      MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\neth0      1500  1234567      0      0 0        765432      0      0      0 BMRU\n",
            "an interface table (netstat -i)",
        ),
        (
            "Name    Mtu Network       Address              Ipkts Ierrs Idrop    Opkts Oerrs  Coll\nvtnet0 1500 <Link#1>      58:9c:fc:00:00:01   123456     0     0    65432     0     0\n",
            "an interface table (BSD netstat -i)",
        ),
        (
            "Ip:\n    Forwarding: 2\n    123456 total packets received\nTcp:\n    42 active connection openings\n",
            "protocol statistics (netstat -s)",
        ),
        (
            "Interface Statistics\n\n                           Received            Sent\n\nBytes                    1234567890      123456789\n",
            "interface statistics (Windows netstat -e)",
        ),
    ];
    for (text, what) in cases {
        let (code, out, err) = run_on(text, "scan");
        assert_eq!(code, Some(2), "{what}: {out}{err}");
        assert!(
            err.contains(&format!("this is {what}, not a socket table")),
            "{err}"
        );
    }
}
