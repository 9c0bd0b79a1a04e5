//! YAML nodes with their place in the file: saphyr's markers count characters, diagnostics
//! want byte ranges.

use saphyr::{MarkedYaml, Scalar, YamlData};

use crate::rules::load::diag::Loc;

/// One Sigma file's text, for turning node spans into [`Loc`]s.
pub(super) struct Place<'t> {
    /// The file's index in the rule sources.
    pub file: usize,
    /// Its text.
    pub text: &'t str,
    /// Byte offset of every character, when the text is not ASCII (then they differ).
    offsets: Option<Vec<usize>>,
}

impl<'t> Place<'t> {
    pub(super) fn new(file: usize, text: &'t str) -> Place<'t> {
        let offsets = (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| i).collect());
        Place {
            file,
            text,
            offsets,
        }
    }

    /// The byte offset of a character index.
    pub(super) fn byte(&self, char_index: usize) -> usize {
        match &self.offsets {
            None => char_index.min(self.text.len()),
            Some(o) => o.get(char_index).copied().unwrap_or(self.text.len()),
        }
    }

    /// Where a node is: its first line only, so the caret does not underline a whole block.
    pub(super) fn loc(&self, node: &MarkedYaml<'_>) -> Loc {
        let start = self.byte(node.span.start.index());
        let end = self.byte(node.span.end.index()).max(start);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let end = end.min(line_end).max((start + 1).min(self.text.len()));
        Loc {
            file: self.file,
            span: start..end,
        }
    }

    /// A location `offset` bytes into a node's text (a token of a condition).
    pub(super) fn loc_within(&self, node: &MarkedYaml<'_>, offset: usize, len: usize) -> Loc {
        let start = self.byte(node.span.start.index());
        // A quoted scalar starts at its quote.
        let quote = matches!(self.text.as_bytes().get(start), Some(b'\'' | b'"'));
        let at = (start + usize::from(quote) + offset).min(self.text.len());
        let line_end = self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i);
        Loc {
            file: self.file,
            span: at..(at + len.max(1)).min(line_end).max(at),
        }
    }
}

/// The entries of a mapping, in file order.
pub(super) fn entries<'n, 'i>(
    node: &'n MarkedYaml<'i>,
) -> Option<Vec<(&'n MarkedYaml<'i>, &'n MarkedYaml<'i>)>> {
    match &node.data {
        YamlData::Mapping(m) => Some(m.iter().collect()),
        _ => None,
    }
}

/// The value of `key` in a mapping, with the key node.
pub(super) fn get<'n, 'i>(
    node: &'n MarkedYaml<'i>,
    key: &str,
) -> Option<(&'n MarkedYaml<'i>, &'n MarkedYaml<'i>)> {
    entries(node)?
        .into_iter()
        .find(|(k, _)| scalar_text(k).as_deref() == Some(key))
}

/// A scalar as text (numbers and booleans as YAML wrote them); `None` for null, lists and
/// maps.
pub(super) fn scalar_text(node: &MarkedYaml<'_>) -> Option<String> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        YamlData::Tagged(_, inner) => scalar_text(inner),
        _ => None,
    }
}

/// Whether the node is YAML null (`~`, `null`, nothing).
pub(super) fn is_null(node: &MarkedYaml<'_>) -> bool {
    matches!(node.data, YamlData::Value(Scalar::Null))
}

/// The items of a sequence.
pub(super) fn items<'n, 'i>(node: &'n MarkedYaml<'i>) -> Option<&'n [MarkedYaml<'i>]> {
    match &node.data {
        YamlData::Sequence(s) => Some(s.as_slice()),
        _ => None,
    }
}

/// A string or a list of strings (`tags`, `falsepositives`).
pub(super) fn strings(node: &MarkedYaml<'_>) -> Vec<String> {
    match items(node) {
        Some(list) => list.iter().filter_map(scalar_text).collect(),
        None => scalar_text(node).into_iter().collect(),
    }
}
