//! Values clap cannot parse by itself: durations within a range, repeat counts.
//!
//! Every bound is checked here, at argument parsing, so a value like `1e300` (which
//! `Duration::from_secs_f64` would panic on) or `1e-300` (a zero interval, a busy loop) is a
//! usage error naming the flag, the value and the range, never a crash or a spin.

use std::time::Duration;

/// The range a duration flag accepts, and how its message spells the bounds.
struct Bounds {
    min: Duration,
    max: Duration,
    text: &'static str,
}

/// `--interval` of `list`, `watch`, `top` and `stats`: at least 100 ms (faster only burns CPU
/// and floods the terminal), at most 7 days (longer is a job for a timer).
const INTERVAL: Bounds = Bounds {
    min: Duration::from_millis(100),
    max: Duration::from_secs(7 * 24 * 3600),
    text: "100ms to 7 days (604800 s)",
};

/// `--sample`: the scan waits this long between two counter reads.
const SAMPLE: Bounds = Bounds {
    min: Duration::from_millis(100),
    max: Duration::from_secs(3600),
    text: "100ms to 1 hour (3600 s)",
};

/// `--renotify`: how long a reported finding stays quiet; short values are for tests.
const RENOTIFY: Bounds = Bounds {
    min: Duration::from_millis(1),
    max: Duration::from_secs(3650 * 24 * 3600),
    text: "1ms to 3650 days",
};

/// Time between rounds (`--interval`): `5` (seconds), `0.5`, `500ms`, `5s`, `1m`; 100 ms to
/// 7 days.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    parse_within(text, &INTERVAL)
}

/// Time between two counter reads (`--sample`): 100 ms to 1 hour.
pub fn parse_sample(text: &str) -> Result<Duration, String> {
    parse_within(text, &SAMPLE)
}

/// Quiet time of a reported finding (`--renotify`): 1 ms to 3650 days.
pub fn parse_renotify(text: &str) -> Result<Duration, String> {
    parse_within(text, &RENOTIFY)
}

/// How many rounds (`--count`): 1 or more; leaving the flag out means until interrupted.
pub fn parse_count(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err(
            "`0` is out of range: a count is 1 or more (leave --count out to repeat until interrupted)"
                .to_string(),
        ),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "`{text}` is not a count: a whole number, 1 or more (e.g. 3)"
        )),
    }
}

fn parse_within(text: &str, bounds: &Bounds) -> Result<Duration, String> {
    let text = text.trim();
    let out_of_range =
        |what: &str| format!("`{text}` is {what}: the allowed range is {}", bounds.text);
    let parsed = match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 => {
            // Compared as seconds first: a huge value has no Duration to convert to.
            if secs > bounds.max.as_secs_f64() {
                return Err(out_of_range("too long"));
            }
            Duration::try_from_secs_f64(secs).ok()
        }
        Ok(_) => None,
        // `500ms`, `1m`, `24h`; `7d` and `1w` too, as days of 24 hours.
        Err(_) => text
            .parse::<jiff::SignedDuration>()
            .ok()
            .or_else(|| {
                text.parse::<jiff::Span>()
                    .ok()?
                    .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
                    .ok()
            })
            .and_then(|d| Duration::try_from(d).ok())
            .filter(|d| !d.is_zero()),
    };
    let Some(duration) = parsed else {
        return Err(format!(
            "`{text}` is not a positive interval; try 5, 0.5, 500ms or 1m; the allowed range is {}",
            bounds.text
        ));
    };
    if duration < bounds.min {
        Err(out_of_range("too short"))
    } else if duration > bounds.max {
        Err(out_of_range("too long"))
    } else {
        Ok(duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_interval("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_interval("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_interval("0.1"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_interval("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_interval("1w"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_interval("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_interval("0").is_err());
        assert!(parse_interval("-1").is_err());
        assert!(parse_interval("soon").is_err());
        assert!(parse_interval("inf").is_err());
        assert!(parse_interval("NaN").is_err());
        assert!(parse_interval("1 month").is_err());
    }

    #[test]
    fn out_of_range_values_are_refused_with_the_range() {
        for (text, what) in [
            ("1e300", "too long"),
            ("604801", "too long"),
            ("8d", "too long"),
            ("1e-300", "too short"),
            ("0.05", "too short"),
            ("99ms", "too short"),
        ] {
            let err = parse_interval(text).expect_err(text);
            assert!(
                err.contains(what) && err.contains("100ms to 7 days"),
                "{err}"
            );
        }
        assert!(parse_sample("2h").is_err());
        assert_eq!(parse_renotify("10ms"), Ok(Duration::from_millis(10)));
        assert!(parse_renotify("1e300").is_err());
    }

    #[test]
    fn counts() {
        assert_eq!(parse_count("3"), Ok(3));
        assert!(parse_count("0").expect_err("zero").contains("1 or more"));
        assert!(parse_count("-1").is_err());
        assert!(parse_count("many").is_err());
    }
}
