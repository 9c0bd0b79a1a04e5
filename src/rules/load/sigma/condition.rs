//! Sigma's `condition`: `and`, `or`, `not`, parentheses, `1 of PATTERN`, `all of PATTERN`,
//! `1 of them`, `all of them`. Aggregations (`| count() by ...`) and `near` are reported as
//! unsupported, never dropped.

use crate::rules::kinds::sigma::matcher::Expr;

/// What went wrong, at a byte offset of the condition text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CondError {
    /// A syntax error or an identifier no selection has: the rule is wrong.
    Invalid {
        offset: usize,
        len: usize,
        message: String,
    },
    /// Valid Sigma that sockaudit does not evaluate.
    Unsupported { offset: usize, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token<'c> {
    text: &'c str,
    offset: usize,
}

fn tokenize(text: &str) -> Result<Vec<Token<'_>>, CondError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' || c == ')' {
            tokens.push(Token {
                text: &text[i..i + 1],
                offset: i,
            });
            chars.next();
        } else if c == '|' {
            return Err(CondError::Unsupported {
                offset: i,
                message: "aggregations (`| count() ...`) need many events over time; a snapshot is one moment".to_string(),
            });
        } else if c.is_alphanumeric() || matches!(c, '_' | '*' | '-' | '.') {
            let mut end = i;
            while let Some(&(j, d)) = chars.peek() {
                if d.is_alphanumeric() || matches!(d, '_' | '*' | '-' | '.') {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(Token {
                text: &text[i..end],
                offset: i,
            });
        } else {
            return Err(CondError::Invalid {
                offset: i,
                len: c.len_utf8(),
                message: format!("unexpected `{c}` in condition"),
            });
        }
    }
    Ok(tokens)
}

struct Parser<'c, 'n> {
    tokens: Vec<Token<'c>>,
    at: usize,
    names: &'n [String],
    end: usize,
}

fn keyword(token: Option<&Token<'_>>, word: &str) -> bool {
    token.is_some_and(|t| t.text.eq_ignore_ascii_case(word))
}

impl<'c> Parser<'c, '_> {
    fn peek(&self) -> Option<&Token<'c>> {
        self.tokens.get(self.at)
    }

    fn invalid(&self, message: String) -> CondError {
        let (offset, len) = self
            .peek()
            .map_or((self.end, 1), |t| (t.offset, t.text.len()));
        CondError::Invalid {
            offset,
            len,
            message,
        }
    }

    fn or(&mut self) -> Result<Expr, CondError> {
        let mut terms = vec![self.and()?];
        while keyword(self.peek(), "or") {
            self.at += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Expr, CondError> {
        let mut terms = vec![self.not()?];
        while keyword(self.peek(), "and") {
            self.at += 1;
            terms.push(self.not()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn not(&mut self) -> Result<Expr, CondError> {
        if keyword(self.peek(), "not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, CondError> {
        let Some(token) = self.peek().cloned() else {
            return Err(
                self.invalid("the condition ends where a selection was expected".to_string())
            );
        };
        match token.text {
            "(" => {
                self.at += 1;
                let inner = self.or()?;
                if self.peek().is_some_and(|t| t.text == ")") {
                    self.at += 1;
                    Ok(inner)
                } else {
                    Err(CondError::Invalid {
                        offset: token.offset,
                        len: 1,
                        message: "this parenthesis is never closed".to_string(),
                    })
                }
            }
            ")" => Err(self.invalid("`)` without a matching `(`".to_string())),
            t if ["and", "or", "of", "them"]
                .iter()
                .any(|k| t.eq_ignore_ascii_case(k)) =>
            {
                Err(self.invalid(format!("`{t}` where a selection was expected")))
            }
            t if keyword(self.tokens.get(self.at + 1), "of") => {
                let all = if t.eq_ignore_ascii_case("all") {
                    true
                } else if t == "1" || t.eq_ignore_ascii_case("any") {
                    false
                } else {
                    return Err(self.invalid(format!("`{t} of`: Sigma writes `1 of` or `all of`")));
                };
                self.at += 2;
                let Some(target) = self.peek().cloned() else {
                    return Err(self.invalid("`of` needs a pattern or `them`".to_string()));
                };
                self.at += 1;
                let picked: Vec<usize> = if target.text.eq_ignore_ascii_case("them") {
                    // Identifiers starting with `_` are left out of `them` (Sigma spec).
                    (0..self.names.len())
                        .filter(|i| !self.names[*i].starts_with('_'))
                        .collect()
                } else {
                    (0..self.names.len())
                        .filter(|i| glob(target.text, &self.names[*i]))
                        .collect()
                };
                if picked.is_empty() {
                    return Err(CondError::Invalid {
                        offset: target.offset,
                        len: target.text.len(),
                        message: format!("no search identifier matches `{}`", target.text),
                    });
                }
                let exprs = picked.into_iter().map(Expr::Sel).collect();
                Ok(if all {
                    Expr::And(exprs)
                } else {
                    Expr::Or(exprs)
                })
            }
            t if keyword(Some(&token), "near") => Err(CondError::Unsupported {
                offset: token.offset,
                message: format!("`{t}` correlates events over time; a snapshot is one moment"),
            }),
            t => match self.names.iter().position(|n| n == t) {
                Some(i) => {
                    self.at += 1;
                    Ok(Expr::Sel(i))
                }
                None => Err(CondError::Invalid {
                    offset: token.offset,
                    len: t.len(),
                    message: format!("the condition names `{t}`, which detection does not define"),
                }),
            },
        }
    }
}

/// `*` globbing of identifier patterns (`selection_*`).
fn glob(pattern: &str, name: &str) -> bool {
    match pattern.find('*') {
        None => pattern == name,
        Some(i) => {
            let (head, rest) = (&pattern[..i], &pattern[i + 1..]);
            name.starts_with(head) && {
                let tail = &name[head.len()..];
                (0..=tail.len())
                    .filter(|j| tail.is_char_boundary(*j))
                    .any(|j| glob(rest, &tail[j..]))
            }
        }
    }
}

/// Parses one condition over the search identifiers `names` (in detection order).
pub(super) fn parse(text: &str, names: &[String]) -> Result<Expr, CondError> {
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens,
        at: 0,
        names,
        end: text.len(),
    };
    let expr = p.or()?;
    if p.peek().is_some() {
        let t = p.peek().map_or("", |t| t.text).to_string();
        return Err(p.invalid(format!(
            "`{t}` after a complete condition (missing `and`/`or`?)"
        )));
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["selection_img", "selection_port", "filter", "_hidden"]
            .map(String::from)
            .to_vec()
    }

    fn show(e: &Expr) -> String {
        match e {
            Expr::Sel(i) => i.to_string(),
            Expr::Not(x) => format!("!{}", show(x)),
            Expr::And(xs) => format!("({})", xs.iter().map(show).collect::<Vec<_>>().join("&")),
            Expr::Or(xs) => format!("({})", xs.iter().map(show).collect::<Vec<_>>().join("|")),
        }
    }

    #[test]
    fn precedence_and_quantifiers() {
        let n = names();
        assert_eq!(
            show(&parse("selection_img and not filter or filter", &n).unwrap()),
            "((0&!2)|2)"
        );
        assert_eq!(
            show(&parse("all of selection_* and not (filter)", &n).unwrap()),
            "((0&1)&!2)"
        );
        assert_eq!(show(&parse("1 of them", &n).unwrap()), "(0|1|2)");
        assert_eq!(show(&parse("all of them", &n).unwrap()), "(0&1&2)");
    }

    #[test]
    fn errors_point_at_the_token() {
        let n = names();
        assert!(matches!(
            parse("selection_img and nope", &n),
            Err(CondError::Invalid { offset: 18, .. })
        ));
        assert!(matches!(
            parse("(selection_img", &n),
            Err(CondError::Invalid { offset: 0, .. })
        ));
        assert!(matches!(
            parse("1 of sel_*", &n),
            Err(CondError::Invalid { offset: 5, .. })
        ));
        assert!(matches!(
            parse("selection_img | count() > 5", &n),
            Err(CondError::Unsupported { offset: 14, .. })
        ));
        assert!(matches!(
            parse("selection_img filter", &n),
            Err(CondError::Invalid { offset: 14, .. })
        ));
    }
}
