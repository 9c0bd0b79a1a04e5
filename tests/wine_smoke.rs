//! The Windows build (x86_64-pc-windows-gnu, mingw-w64) run under Wine: the seed's commands
//! work, a listener started under Wine shows up, and Windows places (ProgramData) are used.
//! One test, in order, in one Wine prefix (booting a prefix takes seconds); every check runs
//! and the failures are reported together.
//!
//! Wine reports owner PID 0 for every socket (measured), so owners, services and account
//! names are covered by the Windows build's unit tests (scripts/test runs them under Wine).

mod common;

use std::process::Output;

use common::wine::Wine;

/// Failed checks, reported together at the end.
#[derive(Default)]
struct Checks(Vec<String>);

impl Checks {
    fn check(&mut self, what: &str, ok: bool, out: &Output) {
        if !ok {
            self.0.push(format!(
                "{what}: exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }

    fn fail(&mut self, what: String) {
        self.0.push(what);
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Lines of `text` that hold both `needle` and `word`.
fn has_line(text: &str, needle: &str, word: &str) -> bool {
    text.lines().any(|l| l.contains(needle) && l.contains(word))
}

/// The snapshot has an ephemeral range, and says when it is the assumed default (Wine has no
/// `MSFT_NetTCPSetting`: measured).
fn ephemeral_said(doc: &serde_json::Value) -> bool {
    let range = &doc["host"]["ephemeral_ports"];
    let assumed = doc["coverage"]["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|n| {
            n.as_str()
                .is_some_and(|n| n.starts_with("ephemeral port range assumed"))
        });
    range.as_array().is_some_and(|r| r.len() == 2)
        && (assumed || *range != serde_json::json!([49152, 65535]))
}

#[test]
fn the_windows_build_runs_the_seed_commands_under_wine() {
    let Some(wine) = Wine::start() else { return };
    let first_port = 20000 + u16::try_from(std::process::id() % 5000).unwrap_or(0);
    let (listener, port) = wine.listener(300, first_port);
    let local = format!("127.0.0.1:{port}");
    let mut checks = Checks::default();

    let out = wine.sockaudit(&["--version"]);
    checks.check(
        "--version",
        out.status.success()
            && stdout(&out).trim() == format!("sockaudit {}", env!("CARGO_PKG_VERSION")),
        &out,
    );

    let out = wine.sockaudit(&["list"]);
    checks.check(
        "list shows the Wine listener",
        out.status.success() && has_line(&stdout(&out), &local, "LISTEN"),
        &out,
    );

    let out = wine.sockaudit(&["list", "--format", "json"]);
    match serde_json::from_slice::<serde_json::Value>(&out.stdout) {
        Ok(doc) => {
            let ours =
                doc["sockets"].as_array().into_iter().flatten().any(|s| {
                    s["local_port"] == port && s["state"] == "LISTEN" && s["proto"] == "tcp"
                });
            let coverage = &doc["coverage"];
            let missing: Vec<&str> = coverage["missing"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str())
                .collect();
            let no_owner_anywhere = doc["sockets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["state"] != "TIME_WAIT")
                .all(|s| s["pids"].as_array().is_some_and(Vec::is_empty));
            checks.check(
                "list --format json: the listener, privileged known, fd-table facts missing, PID 0 as missing owners",
                ours && coverage["privileged"].is_boolean()
                    && missing.contains(&"stdio-sockets")
                    && missing.contains(&"stdio-peers")
                    && (!no_owner_anywhere || missing.contains(&"pids"))
                    && doc["host"]["os"].as_str().is_some_and(|os| os.contains("Windows"))
                    && ephemeral_said(&doc),
                &out,
            );
        }
        Err(err) => checks.fail(format!("list --format json is not JSON: {err}")),
    }

    // A site rule on the listener's port: the engine runs on the Windows build and the exit
    // code says a finding at high was made.
    let rule = format!(
        "[[listen]]\nid = \"wine-smoke-port\"\nseverity = \"high\"\ndescription = \"the smoke test's listener\"\nport = {port}\n"
    );
    std::fs::write(wine.dir().join("site.toml"), rule).expect("write rule file");
    let out = wine.sockaudit(&["scan", "--rules", "site.toml"]);
    checks.check(
        "scan --rules site.toml flags the listener and exits 1",
        out.status.code() == Some(1) && stdout(&out).contains("wine-smoke-port"),
        &out,
    );
    // Facts only Linux's fd tables give: their rules are inactive, never counted as run.
    let out = wine.sockaudit(&["scan", "--format", "json", "--fail-on", "never"]);
    let report = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default();
    let inactive: Vec<&str> = report["inactive"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["rule"].as_str())
        .collect();
    checks.check(
        "scan --format json: reverse-shell and relayed-shell are inactive on live Windows",
        out.status.success()
            && inactive.contains(&"reverse-shell")
            && inactive.contains(&"relayed-shell"),
        &out,
    );
    std::fs::write(
        wine.dir().join("broken.toml"),
        "[[listen]]\nid = \"x\"\nport = \n",
    )
    .expect("write rule file");
    let out = wine.sockaudit(&["scan", "--rules", "broken.toml"]);
    checks.check(
        "a broken rule file exits 2 naming file:line:column",
        out.status.code() == Some(2)
            && String::from_utf8_lossy(&out.stderr).contains("broken.toml:3:"),
        &out,
    );

    let out = wine.sockaudit(&["snapshot", "-o", "snap.json"]);
    let snapshot = std::fs::read_to_string(wine.dir().join("snap.json")).unwrap_or_default();
    checks.check(
        "snapshot -o snap.json writes the listener",
        out.status.success() && snapshot.contains(&format!("\"local_port\": {port}")),
        &out,
    );
    let out = wine.sockaudit(&["scan", "--input", "snap.json", "--rules", "site.toml"]);
    checks.check(
        "scan --input snap.json finds it again",
        out.status.code() == Some(1) && stdout(&out).contains("wine-smoke-port"),
        &out,
    );

    let out = wine.sockaudit(&["baseline", "create", "-o", "baseline.toml"]);
    let baseline = std::fs::read_to_string(wine.dir().join("baseline.toml")).unwrap_or_default();
    checks.check(
        "baseline create records the listener",
        out.status.success() && baseline.contains(&port.to_string()),
        &out,
    );
    let out = wine.sockaudit(&["baseline", "check", "baseline.toml"]);
    checks.check(
        "baseline check without drift exits 0",
        out.status.success(),
        &out,
    );

    let out = wine.sockaudit(&["stats", "--format", "json"]);
    let counters = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default();
    let text = counters.to_string();
    checks.check(
        "stats --format json reads the IP Helper counters under Linux's names",
        out.status.success()
            && text.contains("\"Tcp.ActiveOpens\"")
            && text.contains("\"Udp.InDatagrams\""),
        &out,
    );
    let out = wine.sockaudit(&["routes"]);
    checks.check(
        "routes reads the routing table",
        out.status.success() && stdout(&out).contains("Routes: "),
        &out,
    );
    let out = wine.sockaudit(&["netstat", "-ano"]);
    checks.check(
        "netstat -ano prints the Windows columns",
        out.status.success()
            && stdout(&out).contains("Local Address")
            && has_line(&stdout(&out), &local, "LISTENING"),
        &out,
    );
    let out = wine.sockaudit(&["top", "--batch"]);
    checks.check(
        "top --batch shows the listener",
        out.status.success() && stdout(&out).contains(&local),
        &out,
    );

    // Wine runs elevated: the state file goes to %ProgramData%\sockaudit.
    let out = wine.sockaudit(&["scan", "--state"]);
    let state = wine.drive_c().join("ProgramData/sockaudit/state.json");
    checks.check(
        "scan --state writes C:\\ProgramData\\sockaudit\\state.json",
        out.status.success() && state.is_file(),
        &out,
    );

    // The listener goes away: the baseline sees the drift.
    drop(listener);
    let out = wine.sockaudit(&["baseline", "check", "baseline.toml"]);
    checks.check(
        "baseline check after the listener stopped exits 1 naming its port",
        out.status.code() == Some(1) && stdout(&out).contains(&port.to_string()),
        &out,
    );

    assert!(
        checks.0.is_empty(),
        "{} check(s) failed under Wine:\n\n{}",
        checks.0.len(),
        checks.0.join("\n\n")
    );
}
