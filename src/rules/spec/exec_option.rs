//! Whether a command line asks a program to run another one for whoever connects: the exec
//! options of network relays (`nc -e`, `ncat --sh-exec`, socat `EXEC:`/`SYSTEM:` addresses).
//! A listener whose owner carries one is a bind shell whatever its port.

/// Long options that always run a program.
const EXEC_LONG: &[&str] = &["--exec", "--sh-exec", "--lua-exec"];

/// Program names whose `-e` and `-c` mean "run this for the peer" (netcat flavours).
const NETCATS: &[&str] = &[
    "nc",
    "ncat",
    "netcat",
    "nc.traditional",
    "nc.openbsd",
    "busybox",
];

/// Shells an exec option typically runs; `-c VALUE` of any program counts when VALUE starts
/// with one (postgres' `-c config_file=...` does not).
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "ash",
    "mksh",
    "cmd",
    "cmd.exe",
    "powershell",
    "pwsh",
];

/// The argument that carries an exec option, if any.
pub fn exec_option(cmdline: &[String]) -> Option<&str> {
    let program = cmdline.first().map(|a| base_name(a))?;
    let netcat = NETCATS.contains(&program)
        || (program == "busybox" && cmdline.get(1).is_some_and(|a| a == "nc"));
    for (i, arg) in cmdline.iter().enumerate().skip(1) {
        let lower = arg.to_ascii_lowercase();
        // socat addresses: EXEC:/bin/sh, SYSTEM:'sh -i', also after a comma-free bidirectional `!!`.
        if ["exec:", "system:"]
            .iter()
            .any(|p| lower.starts_with(p) || lower.contains(&format!("!!{p}")))
        {
            return Some(arg);
        }
        if EXEC_LONG
            .iter()
            .any(|o| arg == o || arg.starts_with(&format!("{o}=")))
        {
            return Some(arg);
        }
        let short = arg == "-e" || arg == "-c";
        let next_is_shell = cmdline
            .get(i + 1)
            .and_then(|v| v.split_whitespace().next())
            .is_some_and(|v| SHELLS.contains(&base_name(v)));
        if short && (netcat || next_is_shell) {
            return Some(arg);
        }
        // Bundled short flags of a netcat: `-lvpe`, `-nlvp4444e`.
        if netcat
            && arg.starts_with('-')
            && !arg.starts_with("--")
            && arg.len() > 2
            && arg[1..].contains('e')
        {
            return Some(arg);
        }
    }
    None
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::exec_option;

    fn args(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn relays_with_exec_options_are_caught() {
        for line in [
            "nc -lvp 4444 -e /bin/sh",
            "ncat -l 8080 --sh-exec bash",
            "ncat -l 8080 --exec=/bin/bash",
            "/usr/bin/ncat -lk -c sh",
            "socat TCP-LISTEN:9000,fork EXEC:/bin/sh",
            "socat tcp-l:9000 system:bash,pty,stderr",
            "busybox nc -lp 4444 -e sh",
            "nc -nlvpe 4444 /bin/sh",
            "python3 -c sh -i",
        ] {
            assert!(exec_option(&args(line)).is_some(), "{line}");
        }
    }

    #[test]
    fn ordinary_command_lines_are_not() {
        for line in [
            "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c config_file=/etc/postgresql/15/main/postgresql.conf",
            "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;",
            "socat TCP-LISTEN:8080,fork TCP:10.0.0.5:80",
            "python3 -c import http.server",
            "/usr/sbin/sshd -D -e",
            "redis-server 127.0.0.1:6379",
            "perl -e print",
        ] {
            assert_eq!(exec_option(&args(line)), None, "{line}");
        }
    }
}
