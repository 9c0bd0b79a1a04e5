//! `sockaudit completions` and `sockaudit man`, run as the built binary: the scripts load in
//! their shells and complete real subcommands and values; the man pages are roff that groff
//! and man-db render without a warning.
//!
//! zsh, fish and groff are used when installed and skipped with a line otherwise;
//! scripts/test-packaging installs zsh and fish and checks the packaged copies in them too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::sockaudit;
use predicates::prelude::*;

/// stdout of a successful `sockaudit ARGS`, as text.
fn stdout_of(args: &[&str]) -> String {
    let out = sockaudit().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "sockaudit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "sockaudit {args:?} wrote to stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The program's path when it is installed.
fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The subcommands every script must know about.
const SUBCOMMANDS: &[&str] = &[
    "list",
    "scan",
    "snapshot",
    "rules",
    "baseline",
    "watch",
    "completions",
    "man",
];

fn mentions_everything(script: &str, shell: &str) {
    assert!(script.len() > 1000, "{shell} script is tiny: {script}");
    for sub in SUBCOMMANDS {
        assert!(
            script.contains(sub),
            "{shell} script never mentions `{sub}`"
        );
    }
    // Without the dashes: fish writes `-l fail-on`.
    for flag in ["fail-on", "no-default-rules", "renotify"] {
        assert!(
            script.contains(flag),
            "{shell} script never mentions --{flag}"
        );
    }
}

/// What bash offers after the words typed so far (the last one is being completed).
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"source '{}' || exit 3
COMP_WORDS=({})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE='{line}'
COMP_POINT=${{#COMP_LINE}}
COMPREPLY=()
_sockaudit sockaudit "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        script.display(),
        quoted.join(" "),
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_script_parses_and_completes_real_words() {
    let script = stdout_of(&["completions", "bash"]);
    mentions_everything(&script, "bash");
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "sockaudit.bash", &script);
    Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .map(|out| {
            assert!(
                out.status.success(),
                "bash -n: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .unwrap();
    assert_eq!(bash_completes(&path, &["sockaudit", "sc"]), ["scan"]);
    assert_eq!(
        bash_completes(&path, &["sockaudit", "scan", "--fail-o"]),
        ["--fail-on"]
    );
    let levels = bash_completes(&path, &["sockaudit", "scan", "--fail-on", ""]);
    for level in ["info", "medium", "critical", "never"] {
        assert!(levels.contains(&level.to_string()), "{levels:?}");
    }
    let rules = bash_completes(&path, &["sockaudit", "rules", ""]);
    for sub in ["list", "explain", "check"] {
        assert!(rules.contains(&sub.to_string()), "{rules:?}");
    }
    let shells = bash_completes(&path, &["sockaudit", "completions", ""]);
    for shell in ["bash", "zsh", "fish"] {
        assert!(shells.contains(&shell.to_string()), "{shells:?}");
    }
}

#[test]
fn zsh_script_is_a_compdef_function() {
    let script = stdout_of(&["completions", "zsh"]);
    mentions_everything(&script, "zsh");
    assert!(script.starts_with("#compdef sockaudit\n"), "{script:.80}");
    let Some(zsh) = which("zsh") else {
        eprintln!("skipped: zsh -n (zsh is not installed)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "_sockaudit", &script);
    let out = Command::new(zsh).arg("-n").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "zsh -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fish_script_completes_in_fish() {
    let script = stdout_of(&["completions", "fish"]);
    mentions_everything(&script, "fish");
    assert!(script.contains("complete -c sockaudit"), "{script:.200}");
    let Some(fish) = which("fish") else {
        eprintln!("skipped: fish -n and fish's completer (fish is not installed)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "sockaudit.fish", &script);
    let out = Command::new(&fish).arg("-n").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "fish -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let program = format!(
        "source '{}'; complete -C 'sockaudit sc'; complete -C 'sockaudit scan --format '",
        path.display()
    );
    let out = Command::new(&fish)
        .args(["--no-config", "-c", &program])
        .output()
        .unwrap();
    let offered = String::from_utf8_lossy(&out.stdout);
    let words: Vec<&str> = offered
        .lines()
        .filter_map(|l| l.split('\t').next())
        .collect();
    assert!(words.contains(&"scan"), "{offered}");
    assert!(
        words.contains(&"json") && words.contains(&"text"),
        "{offered}"
    );
}

#[test]
fn powershell_script_registers_an_argument_completer() {
    let script = stdout_of(&["completions", "powershell"]);
    mentions_everything(&script, "powershell");
    assert!(
        script.contains("Register-ArgumentCompleter -Native -CommandName 'sockaudit'"),
        "{script:.300}"
    );
    assert!(script.contains("'netstat'"), "netstat is not offered");
    assert_eq!(
        stdout_of(&["completions", "pwsh"]),
        script,
        "the pwsh alias"
    );
    let Some(pwsh) = which("pwsh") else {
        eprintln!("skipped: loading the script in pwsh (PowerShell is not installed)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "sockaudit.ps1", &script);
    let program = format!(
        ". '{}'; (TabExpansion2 -inputScript 'sockaudit sc' -cursorColumn 12).CompletionMatches.CompletionText",
        path.display()
    );
    let out = Command::new(pwsh)
        .args(["-NoProfile", "-NonInteractive", "-Command", &program])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l == "scan"),
        "pwsh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn unknown_shell_is_a_usage_error() {
    sockaudit()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(
            predicate::str::contains("invalid value 'tcsh'")
                .and(predicate::str::contains("bash, zsh, fish")),
        );
    sockaudit().arg("completions").assert().code(2);
}

/// The header and sections every page needs, checked on the text.
fn has_man_structure(roff: &str, title: &str) {
    let th = roff
        .lines()
        .find(|l| l.starts_with(".TH "))
        .unwrap_or_else(|| panic!("no .TH line in {roff:.300}"));
    assert!(
        th.starts_with(&format!(".TH {title} 1 ")),
        "{th} is not the header of {title}(1)"
    );
    assert!(
        th.contains(&format!("sockaudit {}", env!("CARGO_PKG_VERSION"))),
        "{th} does not carry the version"
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS"] {
        assert!(roff.contains(section), "{title}: no {section}");
    }
    // Every request is a known roff/man macro: a stray "." at a line start would be eaten.
    for line in roff.lines().filter(|l| l.starts_with('.')) {
        let request = line[1..].split_whitespace().next().unwrap_or_default();
        assert!(
            [
                "TH", "SH", "SS", "TP", "IP", "RS", "RE", "PP", "br", "nf", "fi", "ie", "el"
            ]
            .contains(&request),
            "{title}: unexpected request `{line}`"
        );
    }
}

/// groff's plain-text rendering (`-P-cbou`: no bold, underline or escape sequences) and its
/// warnings (`-ww`: all of them).
fn groff_render(roff: &str) -> Option<(String, String)> {
    let groff = which("groff")?;
    let mut child = Command::new(groff)
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(roff.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "groff failed");
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn man_page_is_valid_roff() {
    let roff = stdout_of(&["man"]);
    has_man_structure(&roff, "sockaudit");
    assert!(roff.contains(".SH SUBCOMMANDS"));
    assert!(roff.contains("sockaudit\\-scan(1)"), "no reference to scan");
    // after_help becomes an unfilled EXAMPLES section (columns kept) instead of clap_mangen's
    // filled EXTRA.
    assert!(roff.contains(".SH EXAMPLES\n.nf\n"), "{roff}");
    assert!(!roff.contains(".SH EXTRA"));
    let Some((text, warnings)) = groff_render(&roff) else {
        eprintln!("skipped: rendering with groff (groff is not installed)");
        return;
    };
    assert_eq!(warnings, "", "groff warnings");
    for expected in [
        "NAME",
        "SYNOPSIS",
        "sockaudit-scan(1)",
        "never kills processes",
        "sockaudit list --state SYN_RECV      half-open connections",
    ] {
        assert!(
            text.contains(expected),
            "rendered page lacks {expected:?}:\n{text}"
        );
    }
}

#[test]
fn subcommand_pages_and_the_page_directory() {
    let scan = stdout_of(&["man", "scan"]);
    has_man_structure(&scan, "sockaudit-scan");
    assert!(
        scan.contains("\\-\\-fail\\-on"),
        "scan page lacks --fail-on"
    );
    let check = stdout_of(&["man", "rules", "check"]);
    has_man_structure(&check, "sockaudit-rules-check");

    let dir = tempfile::tempdir().unwrap();
    sockaudit()
        .args(["man", "--dir"])
        .arg(dir.path().join("man1"))
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let mut pages: Vec<String> = std::fs::read_dir(dir.path().join("man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for page in [
        "sockaudit.1",
        "sockaudit-scan.1",
        "sockaudit-rules-check.1",
        "sockaudit-baseline-update.1",
        "sockaudit-man.1",
    ] {
        assert!(pages.contains(&page.to_string()), "{page} not in {pages:?}");
    }
    assert!(!pages.iter().any(|p| p.contains("help")), "{pages:?}");
    // The file is what `man scan` prints.
    let scan_file = std::fs::read_to_string(dir.path().join("man1/sockaudit-scan.1")).unwrap();
    assert_eq!(scan_file, scan);
    if let Some((_, warnings)) = groff_render(&scan_file) {
        assert_eq!(warnings, "", "groff warnings on sockaudit-scan.1");
    }
}

#[test]
fn man_for_a_missing_command_is_a_usage_error() {
    sockaudit()
        .args(["man", "rules", "nope"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(
            predicate::str::contains("no man page for `nope`")
                .and(predicate::str::contains("list, explain, check")),
        );
    sockaudit()
        .args(["man", "scan", "--dir", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

/// The example rule file the package installs in /etc/sockaudit/rules.d changes no scan (every
/// line is a comment), and its examples, uncommented, are valid rules: a key renamed in the
/// rule format would otherwise go on being recommended there.
#[test]
fn example_rule_file_is_inert_and_its_examples_load() {
    let example = "contrib/rules.d/00-example.toml";
    sockaudit()
        .args(["rules", "check", example])
        .assert()
        .success()
        .stdout("ok: 1 file(s), 0 rule(s) valid\n");
    // `## ` lines explain, `# ` lines are examples (the convention the file states).
    let text = std::fs::read_to_string(example).unwrap();
    let uncommented: String = text
        .lines()
        .filter(|l| !l.starts_with("##"))
        .map(|l| {
            let l = l.strip_prefix('#').unwrap_or(l);
            format!("{}\n", l.strip_prefix(' ').unwrap_or(l))
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "examples.toml", &uncommented);
    sockaudit()
        .args(["rules", "check"])
        .arg(&path)
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"^ok: 1 file\(s\), [1-9][0-9]* rule\(s\) valid\n$").unwrap(),
        );
    sockaudit()
        .args(["rules", "list", "--rules"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("site-admin-ui-exposed"));
}

/// The command lines in contrib/ (the systemd unit's ExecStart and the cron line) run as
/// written, with /var/lib/sockaudit moved to a temp dir and a saved snapshot as input: a
/// renamed flag would otherwise show only on a server, as a failed unit or a cron mail.
#[test]
fn contrib_command_lines_run_as_written() {
    let unit = std::fs::read_to_string("contrib/systemd/sockaudit.service").unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart= in the unit");
    let cron = std::fs::read_to_string("contrib/cron/sockaudit").unwrap();
    let cron = cron
        .lines()
        .find(|l| l.starts_with("*/5 "))
        .and_then(|l| l.split_once(" root "))
        .and_then(|(_, cmd)| cmd.split_once(" || "))
        .map(|(cmd, _)| cmd)
        .expect("a */5 line running sockaudit as root");
    for (name, line) in [("unit", exec), ("cron", cron)] {
        let dir = tempfile::tempdir().unwrap();
        let state_dir = dir.path().to_str().unwrap();
        let mut words = line.split_whitespace();
        let program = words.next().unwrap();
        assert!(program.ends_with("sockaudit"), "{name}: runs {program}");
        let words: Vec<&str> = words.collect();
        let mut args: Vec<String> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            // A bare --state means /var/lib/sockaudit/state.json as root: point it here.
            if *word == "--state" && words.get(i + 1).is_none_or(|next| next.starts_with('-')) {
                args.push(format!("--state={state_dir}/state.json"));
            } else {
                args.push(word.replace("/var/lib/sockaudit", state_dir));
            }
        }
        assert!(
            args.iter().all(|a| !a.contains("/var/lib")),
            "{name}: {args:?}"
        );
        sockaudit()
            .args(&args)
            .args(["--input", "fixtures/snapshots/clean-debian.json"])
            .assert()
            .code(0);
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("last.json")).unwrap())
                .unwrap();
        assert!(report["findings"].is_array(), "{name}: {report}");
        assert!(dir.path().join("state.json").is_file(), "{name}: no state");
    }
}
