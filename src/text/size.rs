//! Byte counts for people: `100MB` in a rule file, `1.2M` in a table.
//!
//! Decimal (SI) units throughout, so that what a rule says and what a table shows agree:
//! `k` = 1000, `M` = 10^6, `G` = 10^9, `T` = 10^12. Rules also take the binary `KiB`, `MiB`,
//! `GiB`, `TiB` (powers of 1024).

/// Decimal units, smallest first.
const UNITS: [(&str, f64); 4] = [("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12)];

/// `999`, `1.2k`, `34M`, `1.2G`: at most 5 characters up to 999 TB.
pub fn human(n: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // a display rounded to 2-3 digits
    let value = n as f64;
    if value < 999.5 {
        return n.to_string();
    }
    for (unit, scale) in UNITS {
        let scaled = value / scale;
        if scaled < 9.95 {
            return format!("{scaled:.1}{unit}");
        }
        if scaled < 999.5 {
            return format!("{scaled:.0}{unit}");
        }
    }
    format!("{:.0}T", value / 1e12)
}

/// `1.2M/s` for a rate in bytes per second.
pub fn human_rate(bytes_per_second: f64) -> String {
    if !bytes_per_second.is_finite() || bytes_per_second <= 0.0 {
        return "0/s".to_string();
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // finite, positive
    let n = bytes_per_second.round() as u64;
    format!("{}/s", human(n))
}

/// Parses `1048576`, `100MB`, `100 M`, `1.5GiB`, `64KiB`, `10k` into bytes.
pub fn parse(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size like 100MB, 1.5GiB or 1048576"))?;
    let scale: f64 = match unit.trim() {
        "" | "B" | "b" => 1.0,
        "k" | "K" | "kB" | "KB" => 1e3,
        "M" | "MB" => 1e6,
        "G" | "GB" => 1e9,
        "T" | "TB" => 1e12,
        "KiB" | "Ki" => 1024.0,
        "MiB" | "Mi" => 1024.0 * 1024.0,
        "GiB" | "Gi" => 1024.0 * 1024.0 * 1024.0,
        "TiB" | "Ti" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`; use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB"
            ));
        }
    };
    let bytes = (number * scale).round();
    // u64::MAX as f64 rounds up to 2^64, which does not fit: compare below it.
    #[allow(clippy::cast_precision_loss)]
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("`{text}` is too large"));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked above
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_sizes_in_five_characters() {
        assert_eq!(human(0), "0");
        assert_eq!(human(999), "999");
        assert_eq!(human(1000), "1.0k");
        assert_eq!(human(1234), "1.2k");
        assert_eq!(human(99_499), "99k");
        assert_eq!(human(999_499), "999k");
        assert_eq!(human(999_500), "1.0M");
        assert_eq!(human(34_000_000), "34M");
        assert_eq!(human(1_200_000_000), "1.2G");
        assert_eq!(human(u64::MAX), "18446744T");
        assert_eq!(human_rate(1500.0), "1.5k/s");
        assert_eq!(human_rate(f64::NAN), "0/s");
    }

    #[test]
    fn parses_rule_sizes() {
        assert_eq!(parse("1048576"), Ok(1_048_576));
        assert_eq!(parse("100MB"), Ok(100_000_000));
        assert_eq!(parse("100 M"), Ok(100_000_000));
        assert_eq!(parse("1.5GiB"), Ok(1_610_612_736));
        assert_eq!(parse("64KiB"), Ok(65_536));
        assert_eq!(parse("10k"), Ok(10_000));
        assert!(parse("MB").is_err());
        assert!(parse("10 parsecs").is_err());
        assert!(parse("-5MB").is_err());
        assert!(parse("1e30").is_err());
        assert!(parse("99999999999TB").is_err());
    }
}
