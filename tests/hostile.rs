//! Hostile names from a real process: a copy of `sleep` under a file name holding invalid UTF-8,
//! an escape sequence, a newline, a bidi override and a `)`, started with an equally hostile
//! argv[0], holding a real listening socket (inherited from the test). Every text surface must
//! show the bytes escaped (`\xff`, `\x1b`, `\u202e`), JSON must stay valid and keep the exact
//! bytes in the `*_raw` fields, and long values are cut on screen but kept in JSON up to the cap.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::inherit::Inheritor;
use common::{machine_wide, sockaudit};

/// The process name: 15 bytes, all the kernel keeps in `comm`. A bidi override, a lone 0xff,
/// a screen-clearing escape, a newline forging a line, and a `)` that breaks naive
/// `/proc/PID/stat` parsers.
const NAME: &[u8] = b"\xe2\x80\xaeev\xff\x1b[2J\n)R 1";
/// argv[0]: invalid UTF-8 and an OSC title-setting sequence.
const ARG0: &[u8] = b"\xfe\x1b]0;pwned\x07-sh";

/// `dir/NAME`, a copy of `sleep`.
fn hostile_sleep(dir: &Path) -> PathBuf {
    let exe = dir.join(OsStr::from_bytes(NAME));
    std::fs::copy("/bin/sleep", &exe).unwrap();
    exe
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = sockaudit().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("output is UTF-8"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Nothing raw that could move the cursor, clear the screen, reorder text or forge a line.
fn assert_inert(surface: &str, text: &str) {
    for bad in ['\u{1b}', '\u{202e}', '\r', '\u{7}', '\u{fffd}'] {
        assert!(
            !text.contains(bad),
            "{surface}: raw {:?} in output:\n{text}",
            bad
        );
    }
    assert!(
        !text.lines().any(|l| l.starts_with(")R 1")),
        "{surface}: the newline in the name forged a line:\n{text}"
    );
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The shown form of NAME: valid UTF-8 kept, the 0xff byte as `\xff`, controls escaped.
const NAME_SHOWN: &str = "\\u202eev\\xff\\x1b[2J\\x0a)R 1";

#[test]
fn a_hostile_live_process_is_escaped_everywhere_and_exact_in_json() {
    let _machine = machine_wide();
    let dir = tempfile::tempdir().unwrap();
    let exe = hostile_sleep(dir.path());
    // A fixed port: `baseline check` below must see this very listener go missing.
    let addr = format!("127.0.0.1:{}", common::inherit::fixed_port());
    let holder = Inheritor::spawn_at(&addr, &exe, OsStr::from_bytes(ARG0), &["60"]);
    let port = holder.port.to_string();
    let pid = holder.child.id();

    // list JSON: valid, text with \xNN for the bad bytes, exact bytes in *_raw.
    let doc = common::json_of(&["list", "--format", "json", "--port", &port]);
    let sockets = common::sockets_on_port(&doc, holder.port);
    assert_eq!(sockets.len(), 1, "{doc}");
    assert_eq!(sockets[0]["pids"][0], pid);
    let p = &sockets[0]["process"];
    assert_eq!(p["name"], "\u{202e}ev\\xff\u{1b}[2J\n)R 1", "{p}");
    assert_eq!(p["name_raw"], b64(NAME), "{p}");
    let exe_bytes = exe.as_os_str().as_bytes();
    assert_eq!(p["exe_raw"], b64(exe_bytes), "{p}");
    assert!(
        p["exe"]
            .as_str()
            .unwrap()
            .ends_with("ev\\xff\u{1b}[2J\n)R 1")
    );
    assert_eq!(p["cmdline"][0], "\\xfe\u{1b}]0;pwned\u{7}-sh");
    assert_eq!(p["cmdline"][1], "60");
    assert_eq!(p["cmdline_raw"][0], b64(ARG0));
    assert_eq!(p["cmdline_raw"][1], b64(b"60"));
    // The `)` in comm does not shift /proc/PID/stat fields: the parent is really us.
    assert_eq!(p["ppid"], std::process::id(), "{p}");
    assert!(p.get("truncated").is_none(), "{p}");

    // list text and CSV: escaped, one row.
    for format in ["text", "csv"] {
        let (code, out, err) = run(&["list", "--format", format, "--port", &port]);
        assert_eq!(code, Some(0), "{err}");
        assert_inert(&format!("list {format}"), &out);
        assert!(out.contains(NAME_SHOWN), "list {format}:\n{out}");
    }
    let (_, csv, _) = run(&["list", "--format", "csv", "--port", &port]);
    assert!(
        csv.contains("\\xfe") || csv.contains(&format!("{pid}")),
        "{csv}"
    );

    // scan: the default pack's exe-in-temp fires (the copy lives in /tmp).
    let (code, text, err) = run(&["scan", "--fail-on", "never"]);
    assert_eq!(code, Some(0), "{err}");
    assert_inert("scan text", &text);
    assert!(text.contains("exe-in-temp"), "{text}");
    assert!(text.contains(NAME_SHOWN), "{text}");
    assert!(
        text.contains("cmdline \\xfe\\x1b]0;pwned\\x07-sh 60"),
        "{text}"
    );

    let (_, json, _) = run(&["scan", "--format", "json", "--fail-on", "never"]);
    let report: serde_json::Value = serde_json::from_str(&json).expect("scan JSON is valid");
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "exe-in-temp" && f["process"]["pid"] == pid)
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(finding["process"]["name_raw"], b64(NAME));

    let (_, jsonl, _) = run(&["scan", "--format", "jsonl", "--fail-on", "never"]);
    for line in jsonl.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each JSONL line is JSON");
    }
    let (_, junit, _) = run(&["scan", "--format", "junit", "--fail-on", "never"]);
    assert_inert("junit", &junit);
    assert!(junit.contains(NAME_SHOWN), "{junit}");
    assert!(
        !junit.chars().any(|c| c.is_control() && c != '\n'),
        "{junit}"
    );

    // A snapshot keeps the exact bytes and loads back unchanged.
    let snap = dir.path().join("snap.json");
    let (code, _, err) = run(&["snapshot", "-o", snap.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let (_, again, _) = run(&[
        "list",
        "--format",
        "json",
        "--input",
        snap.to_str().unwrap(),
        "--port",
        &port,
    ]);
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(
        common::sockets_on_port(&again, holder.port)[0]["process"]["name_raw"],
        b64(NAME)
    );

    // Baselines record the name; `baseline check` and `rules explain` print it escaped.
    let baseline = dir.path().join("baseline.toml");
    let (code, _, err) = run(&["baseline", "create", "-o", baseline.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    drop(holder);
    let (code, check, err) = run(&["baseline", "check", baseline.to_str().unwrap()]);
    assert_eq!(
        code,
        Some(1),
        "the hostile listener is missing now: {check}{err}"
    );
    assert_inert("baseline check", &check);
    assert!(check.contains(NAME_SHOWN), "{check}");
    let (code, explain, err) = run(&[
        "rules",
        "explain",
        "expected-listener-missing",
        "--rules",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_inert("rules explain", &explain);
}

#[test]
fn rules_explain_and_list_escape_what_a_rule_file_says() {
    // Serialised with the tests that hand listeners to child processes (common::inherit).
    let _machine = machine_wide();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("r.toml");
    std::fs::write(
        &rules,
        "[[listen]]\nid = \"odd\"\nseverity = \"low\"\n\tdescription = \"\\u001b[2Jgone \u{202e}txt.exe\"\n\
         allow = [{ port = 22, reason = \"\\u001b]0;title\\u0007 \u{200b}x\" }]\n",
    )
    .unwrap();
    let (code, explain, err) = run(&[
        "rules",
        "explain",
        "odd",
        "--no-default-rules",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_inert("rules explain", &explain);
    assert!(explain.contains("\\x1b[2Jgone \\u202etxt.exe"), "{explain}");
    assert!(explain.contains("\\x1b]0;title\\x07 \\u200bx"), "{explain}");
    // Indentation by tab is shown as spaces, not as `\x09`.
    assert!(!explain.contains("\\x09"), "{explain}");
    let (code, list, err) = run(&[
        "rules",
        "list",
        "--no-default-rules",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_inert("rules list", &list);
}

#[test]
fn long_names_are_cut_on_screen_with_a_marker_and_kept_in_json_up_to_the_cap() {
    // Serialised with the tests that hand listeners to child processes (common::inherit).
    let _machine = machine_wide();
    let dir = tempfile::tempdir().unwrap();
    // A snapshot whose process has a 10,000-character exe path and a 100,000-byte command line.
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("fixtures/snapshots/hostile-names.json").unwrap(),
    )
    .unwrap();
    let long_exe = format!("/tmp/{}", "a".repeat(10_000));
    doc["processes"]["6001"]["exe"] = long_exe.clone().into();
    doc["processes"]["6001"]["cmdline"] =
        serde_json::json!(["x".repeat(60_000), "y".repeat(40_000)]);
    let path = dir.path().join("long.json");
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    let input = path.to_str().unwrap();

    let (code, text, err) = run(&["scan", "--input", input, "--fail-on", "never"]);
    assert_eq!(code, Some(0), "{err}");
    // exe: 4096 bytes kept, 256 characters shown, the rest counted in the marker.
    assert!(
        text.contains(&format!("exe /tmp/{}…[+3840 chars]", "a".repeat(251))),
        "{text}"
    );
    assert!(
        text.contains(&format!("cmdline {}…[+", "x".repeat(120))),
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() < 2_000), "{text}");

    let (_, list, _) = run(&["list", "--input", input]);
    assert!(list.lines().all(|l| l.chars().count() < 1_000), "{list}");

    let (_, json, _) = run(&["list", "--format", "json", "--input", input]);
    let out: serde_json::Value = serde_json::from_str(&json).unwrap();
    let p = &out["processes"]["6001"];
    assert_eq!(p["exe"].as_str().unwrap().len(), 4096);
    assert!(long_exe.starts_with(p["exe"].as_str().unwrap()));
    let kept: usize = p["cmdline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().len() + 1)
        .sum();
    assert_eq!(kept, 32 * 1024, "cmdline cut at the 32 KiB cap");
    assert_eq!(p["truncated"], serde_json::json!(["exe", "cmdline"]));
}

#[test]
fn a_huge_argv_is_read_with_a_bounded_buffer() {
    let _machine = machine_wide();
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("bigargv");
    std::fs::copy("/bin/sleep", &exe).unwrap();
    // argv[0] of 120 KiB (one argument may be 128 KiB): /proc/PID/cmdline is ~120 KiB.
    let huge = OsString::from_vec(vec![b'A'; 120 * 1024]);
    let holder = Inheritor::spawn(&exe, &huge, &["60"]);
    let port = holder.port.to_string();
    let doc = common::json_of(&["list", "--format", "json", "--port", &port]);
    let p = &common::sockets_on_port(&doc, holder.port)[0]["process"];
    let arg0 = p["cmdline"][0].as_str().unwrap();
    assert_eq!(arg0.len(), 32 * 1024 - 1, "read stops at the cap");
    assert_eq!(
        p["cmdline"].as_array().unwrap().len(),
        1,
        "{}",
        &p["cmdline"]
    );
    assert_eq!(p["truncated"], serde_json::json!(["cmdline"]));
    let (_, text, _) = run(&["scan", "--fail-on", "never"]);
    assert!(
        text.lines().all(|l| l.chars().count() < 2_000),
        "no screen-long line"
    );
}

#[test]
fn an_exe_path_too_long_for_the_kernel_to_report_is_said_out_loud() {
    let _machine = machine_wide();
    let dir = tempfile::tempdir().unwrap();
    // 18 directories of 250 bytes: a path of ~4.5 KB, more than the page /proc/PID/exe is read
    // into. Built and entered step by step (a path that long cannot be opened in one go).
    let step = "d".repeat(250);
    let script = format!(
        "cd {} && for i in $(seq 18); do mkdir {step} && cd -P {step} || exit 1; done && cp /bin/sleep hider && exec ./hider 60",
        dir.path().display()
    );
    let holder = Inheritor::spawn(Path::new("/bin/sh"), OsStr::new("sh"), &["-c", &script]);
    let port = holder.port.to_string();
    // Wait (bounded) for the shell to exec the hider.
    let comm = format!("/proc/{}/comm", holder.child.id());
    for _ in 0..200 {
        if std::fs::read_to_string(&comm).is_ok_and(|c| c.trim() == "hider") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let out = sockaudit()
        .args(["list", "--format", "json", "--port", &port])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &common::sockets_on_port(&doc, holder.port)[0];
    assert_eq!(s["pids"][0], holder.child.id(), "still attributed");
    assert_eq!(s["process"]["name"], "hider");
    assert!(s["process"]["exe"].is_null(), "{s}");
    let notes = doc["coverage"]["notes"].to_string();
    assert!(
        notes.contains("too long for the kernel to report")
            && notes.contains(&holder.child.id().to_string()),
        "{notes}"
    );
    assert!(
        stderr.contains("too long for the kernel to report"),
        "{stderr}"
    );
}
