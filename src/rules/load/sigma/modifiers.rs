//! `Field|modifier|...: values` entries compiled into [`FieldTest`]s: field names mapped,
//! modifiers checked (unknown and conflicting ones are mistakes; `expand` and `fieldref` are
//! valid Sigma sockaudit does not evaluate), values lower-cased and expanded.

use base64::Engine as _;
use saphyr::MarkedYaml;

use super::yaml::{Place, is_null, items, scalar_text};
use crate::rules::kinds::sigma::field::Field;
use crate::rules::kinds::sigma::matcher::{Compare, FieldTest, Pattern, Test, Token};
use crate::rules::load::diag::{Diag, Loc, did_you_mean};

/// Why an entry was not compiled.
pub(super) enum Problem {
    /// A mistake in the rule (exit 2).
    Error(Box<Diag>),
    /// Valid Sigma that sockaudit cannot evaluate here: the rule is inactive.
    Unsupported(Loc, String),
}

/// Every modifier of the Sigma specification.
const MODIFIERS: &[&str] = &[
    "contains",
    "startswith",
    "endswith",
    "all",
    "cidr",
    "re",
    "i",
    "m",
    "s",
    "windash",
    "exists",
    "gt",
    "gte",
    "lt",
    "lte",
    "base64",
    "base64offset",
    "wide",
    "utf16le",
    "utf16be",
    "utf16",
    "cased",
    "expand",
    "fieldref",
];

fn error(loc: Loc, message: impl Into<String>, label: &str) -> Problem {
    Problem::Error(Box::new(Diag::at(loc, message, label)))
}

/// The values of an entry: a scalar, null, or a list of scalars.
fn values<'n, 'i>(value: &'n MarkedYaml<'i>) -> Vec<&'n MarkedYaml<'i>> {
    match items(value) {
        Some(list) => list.iter().collect(),
        None => vec![value],
    }
}

/// Compiles one entry of a selection map.
pub(super) fn field_test(
    place: &Place<'_>,
    key: &MarkedYaml<'_>,
    value: &MarkedYaml<'_>,
) -> Result<FieldTest, Problem> {
    let key_loc = place.loc(key);
    let Some(spec) = scalar_text(key) else {
        return Err(error(
            key_loc,
            "a selection key is a field name (`Image|endswith`)",
            "not a field name",
        ));
    };
    let mut parts = spec.split('|');
    let name = parts.next().unwrap_or_default();
    let mods: Vec<&str> = parts.collect();
    for m in &mods {
        if !MODIFIERS.contains(m) {
            let mut d = Diag::at(
                key_loc.clone(),
                format!("unknown Sigma modifier `{m}`"),
                "unknown modifier",
            );
            d = match did_you_mean(m, MODIFIERS) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!("Sigma modifiers: {}", MODIFIERS.join(", "))),
            };
            return Err(Problem::Error(Box::new(d)));
        }
    }
    let Some(field) = Field::from_name(name) else {
        return Err(Problem::Unsupported(
            key_loc,
            format!(
                "field `{name}` is not a network_connection field sockaudit maps (docs/sigma.md lists them)"
            ),
        ));
    };
    if let Some(m) = mods.iter().find(|m| matches!(**m, "expand" | "fieldref")) {
        return Err(Problem::Unsupported(
            key_loc,
            format!("the `{m}` modifier is not supported"),
        ));
    }
    let has = |m: &str| mods.contains(&m);
    let string_mods: Vec<&&str> = mods
        .iter()
        .filter(|m| matches!(**m, "contains" | "startswith" | "endswith"))
        .collect();
    if string_mods.len() > 1 {
        return Err(error(
            key_loc,
            format!(
                "conflicting modifiers `{}` and `{}`",
                string_mods[0], string_mods[1]
            ),
            "choose one",
        ));
    }
    let all = has("all");
    let vals = values(value);
    if has("exists") {
        if mods.len() > 1 {
            return Err(error(
                key_loc,
                "`exists` takes no other modifier",
                "conflicting modifiers",
            ));
        }
        return match (vals.as_slice(), scalar_text(value).as_deref()) {
            ([_], Some("true")) => Ok(FieldTest {
                field,
                test: Test::Exists(true),
            }),
            ([_], Some("false")) => Ok(FieldTest {
                field,
                test: Test::Exists(false),
            }),
            _ => Err(error(
                place.loc(value),
                "`exists` needs `true` or `false`",
                "not a boolean",
            )),
        };
    }
    let compare = mods.iter().find_map(|m| match *m {
        "gt" => Some(Compare::Gt),
        "gte" => Some(Compare::Gte),
        "lt" => Some(Compare::Lt),
        "lte" => Some(Compare::Lte),
        _ => None,
    });
    if let Some(op) = compare {
        if mods.len() > 1 {
            return Err(error(
                key_loc,
                "a comparison (gt, gte, lt, lte) takes no other modifier",
                "conflicting modifiers",
            ));
        }
        let mut bounds = Vec::new();
        for v in vals {
            match scalar_text(v).and_then(|t| t.parse::<f64>().ok()) {
                Some(n) => bounds.push((op, n)),
                None => {
                    return Err(error(
                        place.loc(v),
                        "a comparison needs a number",
                        "not a number",
                    ));
                }
            }
        }
        return Ok(FieldTest {
            field,
            test: Test::Number(bounds),
        });
    }
    if has("cidr") {
        if !matches!(field, Field::SourceIp | Field::DestinationIp) {
            return Err(error(
                key_loc,
                format!(
                    "`cidr` applies to SourceIp and DestinationIp, not {}",
                    field.name()
                ),
                "not an address field",
            ));
        }
        let mut nets = Vec::new();
        for v in vals {
            let text = scalar_text(v).unwrap_or_default();
            let net = text
                .parse::<ipnet::IpNet>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from));
            match net {
                Ok(n) => nets.push(n),
                Err(_) => {
                    return Err(error(
                        place.loc(v),
                        format!("`{text}` is not a CIDR network"),
                        "not a network",
                    ));
                }
            }
        }
        return Ok(FieldTest {
            field,
            test: Test::Cidr(nets),
        });
    }
    if has("re") {
        if !string_mods.is_empty() || has("base64") || has("base64offset") || has("windash") {
            return Err(error(
                key_loc,
                "`re` takes only the flags i, m, s (and all)",
                "conflicting modifiers",
            ));
        }
        let flags: String = ["i", "m", "s"].into_iter().filter(|f| has(f)).collect();
        let mut regexes = Vec::new();
        for v in vals {
            let text = scalar_text(v).unwrap_or_default();
            let pattern = if flags.is_empty() {
                text.clone()
            } else {
                format!("(?{flags}){text}")
            };
            match regex::Regex::new(&pattern) {
                Ok(r) => regexes.push(r),
                Err(e) => {
                    let first = e
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or_default()
                        .trim()
                        .to_string();
                    return Err(error(
                        place.loc(v),
                        format!("invalid regular expression: {first}"),
                        "bad regex",
                    ));
                }
            }
        }
        return Ok(FieldTest {
            field,
            test: Test::Regex { regexes, all },
        });
    }
    if let Some(m) = mods.iter().find(|m| matches!(**m, "i" | "m" | "s")) {
        return Err(error(
            key_loc,
            format!("the regex flag `{m}` needs `re`"),
            "flag without re",
        ));
    }
    let encoding = mods
        .iter()
        .find(|m| matches!(**m, "wide" | "utf16le" | "utf16be" | "utf16"))
        .copied();
    let b64 = has("base64") || has("base64offset");
    if encoding.is_some() && !b64 {
        return Err(error(
            key_loc,
            "`wide`/`utf16*` only change what `base64`/`base64offset` encode",
            "needs base64",
        ));
    }
    if has("base64") && has("base64offset") {
        return Err(error(
            key_loc,
            "conflicting modifiers `base64` and `base64offset`",
            "choose one",
        ));
    }
    if vals.len() == 1 && is_null(value) {
        return Ok(FieldTest {
            field,
            test: Test::Null,
        });
    }
    let mut patterns = Vec::new();
    for v in vals {
        if is_null(v) {
            return Err(error(
                place.loc(v),
                "null inside a list of values",
                "null value",
            ));
        }
        let Some(text) = scalar_text(v) else {
            return Err(error(
                place.loc(v),
                "a value is a string or a number, not a list or a map",
                "not a value",
            ));
        };
        let mut variants = if has("windash") {
            windash(&text)
        } else {
            vec![text]
        };
        if b64 {
            variants = variants
                .iter()
                .flat_map(|t| encode(t, encoding, has("base64offset")))
                .collect();
        }
        for variant in variants {
            let mut tokens = if b64 {
                vec![Token::Lit(variant)]
            } else {
                wildcards(&variant)
            };
            match string_mods.first().map(|m| **m) {
                Some("contains") => {
                    tokens.insert(0, Token::Star);
                    tokens.push(Token::Star);
                }
                Some("startswith") => tokens.push(Token::Star),
                Some("endswith") => tokens.insert(0, Token::Star),
                _ if has("base64offset") => {
                    tokens.insert(0, Token::Star);
                    tokens.push(Token::Star);
                }
                _ => {}
            }
            patterns.push(simplify(tokens));
        }
    }
    // base64 text is case-sensitive by nature.
    let cased = has("cased") || b64;
    if !cased {
        patterns = patterns.into_iter().map(lower).collect();
    }
    Ok(FieldTest {
        field,
        test: Test::Text {
            patterns,
            all,
            cased,
        },
    })
}

/// Sigma's wildcards: `*`, `?`; `\*` and `\?` are literal, as is `\\` before a wildcard; any
/// other backslash is itself (Windows paths).
fn wildcards(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let after = chars.get(i + 2).copied();
        match c {
            '\\' if matches!(next, Some('*' | '?')) => {
                lit.push(next.unwrap_or_default());
                i += 2;
                continue;
            }
            '\\' if next == Some('\\') && matches!(after, Some('*' | '?')) => {
                lit.push('\\');
                i += 2;
                continue;
            }
            '*' | '?' => {
                if !lit.is_empty() {
                    out.push(Token::Lit(std::mem::take(&mut lit)));
                }
                out.push(if c == '*' { Token::Star } else { Token::One });
            }
            other => lit.push(other),
        }
        i += 1;
    }
    if !lit.is_empty() {
        out.push(Token::Lit(lit));
    }
    out
}

/// The cheapest pattern for a token list (most Sigma values are a plain prefix, suffix or
/// substring).
fn simplify(tokens: Vec<Token>) -> Pattern {
    match tokens.as_slice() {
        [] => Pattern::Exact(String::new()),
        [Token::Lit(l)] => Pattern::Exact(l.clone()),
        [Token::Star, Token::Lit(l)] => Pattern::Suffix(l.clone()),
        [Token::Lit(l), Token::Star] => Pattern::Prefix(l.clone()),
        [Token::Star, Token::Lit(l), Token::Star] => Pattern::Contains(l.clone()),
        _ => Pattern::Wild(tokens),
    }
}

fn lower(p: Pattern) -> Pattern {
    match p {
        Pattern::Exact(s) => Pattern::Exact(s.to_lowercase()),
        Pattern::Prefix(s) => Pattern::Prefix(s.to_lowercase()),
        Pattern::Suffix(s) => Pattern::Suffix(s.to_lowercase()),
        Pattern::Contains(s) => Pattern::Contains(s.to_lowercase()),
        Pattern::Wild(t) => Pattern::Wild(
            t.into_iter()
                .map(|t| match t {
                    Token::Lit(s) => Token::Lit(s.to_lowercase()),
                    other => other,
                })
                .collect(),
        ),
    }
}

/// The dashes Windows programs accept for an option (`-`, `/`, en dash, em dash, bar).
const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// `windash`: every option dash (a `-` or `/` starting a word) as each Windows dash. With
/// more than two option dashes, each variant uses one dash throughout (5^n would explode).
fn windash(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let at: Vec<usize> = (0..chars.len())
        .filter(|i| matches!(chars[*i], '-' | '/') && (*i == 0 || chars[*i - 1].is_whitespace()))
        .collect();
    if at.is_empty() {
        return vec![text.to_string()];
    }
    let combos: Vec<Vec<char>> = if at.len() <= 2 {
        let mut combos = vec![Vec::new()];
        for _ in &at {
            combos = combos
                .into_iter()
                .flat_map(|c| DASHES.iter().map(move |d| [c.clone(), vec![*d]].concat()))
                .collect();
        }
        combos
    } else {
        DASHES.iter().map(|d| vec![*d; at.len()]).collect()
    };
    combos
        .into_iter()
        .map(|combo| {
            let mut out = chars.clone();
            for (pos, dash) in at.iter().zip(combo) {
                out[*pos] = dash;
            }
            out.into_iter().collect()
        })
        .collect()
}

/// `base64` (one encoding) or `base64offset` (the three encodings of the text at each byte
/// offset, with the characters that depend on neighbours cut off), of UTF-8 or UTF-16 text.
fn encode(text: &str, encoding: Option<&str>, offsets: bool) -> Vec<String> {
    let bytes: Vec<u8> = match encoding {
        Some("wide" | "utf16le") => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        Some("utf16be") => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        // `utf16`: little-endian with a byte-order mark, as PowerShell writes it.
        Some(_) => [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        None => text.as_bytes().to_vec(),
    };
    let engine = base64::engine::general_purpose::STANDARD;
    if !offsets {
        return vec![engine.encode(&bytes).trim_end_matches('=').to_string()];
    }
    // pySigma's offsets: encode after 0, 1, 2 leading bytes; drop the characters the padding
    // bytes touch at the start and those the unknown next bytes touch at the end.
    const START: [usize; 3] = [0, 2, 3];
    const END: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|i| {
            let mut padded = vec![b' '; i];
            padded.extend_from_slice(&bytes);
            let encoded = engine.encode(&padded);
            let cut_end = END[(bytes.len() + i) % 3];
            let end = encoded.len().saturating_sub(cut_end);
            encoded.get(START[i]..end).unwrap_or_default().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_escapes() {
        assert_eq!(
            simplify(wildcards("*\\nc.exe")),
            Pattern::Suffix("\\nc.exe".into())
        );
        assert_eq!(simplify(wildcards("a\\*b")), Pattern::Exact("a*b".into()));
        assert_eq!(
            simplify(wildcards("C:\\\\*")),
            Pattern::Prefix("C:\\".into()),
            "\\\\ before a wildcard is one literal backslash"
        );
    }

    #[test]
    fn windash_variants() {
        let v = windash("-enc x");
        assert_eq!(v.len(), 5);
        assert!(v.contains(&"/enc x".to_string()) && v.contains(&"\u{2013}enc x".to_string()));
        assert_eq!(
            windash("a-b"),
            vec!["a-b".to_string()],
            "a dash inside a word is no option"
        );
    }

    #[test]
    fn base64_offsets_match_pysigma() {
        // pySigma's documented example: base64offset of `/bin/bash`.
        assert_eq!(
            encode("/bin/bash", None, true),
            ["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]
        );
        assert_eq!(encode("ping", None, false), ["cGluZw"]);
    }
}
