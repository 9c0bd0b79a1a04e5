//! Colour for reports: the ANSI palette for the decision made once in `cli::color`.

/// ANSI styles; empty strings when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    /// Bold.
    pub bold: &'static str,
    /// Dimmed.
    pub dim: &'static str,
    /// Red (critical/high).
    pub red: &'static str,
    /// Yellow (medium).
    pub yellow: &'static str,
    /// Cyan (low/info).
    pub cyan: &'static str,
    /// Reset.
    pub reset: &'static str,
}

impl Palette {
    /// The palette for the given decision.
    pub fn new(color: bool) -> Palette {
        if color {
            Palette {
                bold: "\x1b[1m",
                dim: "\x1b[2m",
                red: "\x1b[31m",
                yellow: "\x1b[33m",
                cyan: "\x1b[36m",
                reset: "\x1b[0m",
            }
        } else {
            Palette {
                bold: "",
                dim: "",
                red: "",
                yellow: "",
                cyan: "",
                reset: "",
            }
        }
    }
}
