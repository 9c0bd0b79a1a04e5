//! One CSV line at a time (TCPView, tcpvcon, tasklist), with quoting. Captures are decoded to
//! lines first, so the `csv` crate's reader (built per input) would be built per line: 18 µs
//! a line. `csv_core`'s reader is kept and reset instead.

use csv_core::{ReadFieldResult, Reader};

/// A reusable splitter.
#[derive(Debug)]
pub struct CsvLine {
    reader: Reader,
    field: Vec<u8>,
}

impl Default for CsvLine {
    fn default() -> CsvLine {
        CsvLine {
            reader: Reader::new(),
            field: Vec::new(),
        }
    }
}

impl CsvLine {
    /// The cells of one line, trimmed; quotes removed and `""` unescaped.
    pub fn split(&mut self, line: &str) -> Vec<String> {
        self.reader.reset();
        let mut cells = Vec::new();
        let mut input = line.as_bytes();
        self.field.clear();
        self.field.resize(line.len() + 1, 0);
        let mut used = 0;
        loop {
            let (result, read, written) = self.reader.read_field(input, &mut self.field[used..]);
            input = &input[read..];
            used += written;
            match result {
                ReadFieldResult::InputEmpty if input.is_empty() && read == 0 && written == 0 => {
                    // Signal the end of input so the last field is finished.
                    let (result, _, written) = self.reader.read_field(&[], &mut self.field[used..]);
                    used += written;
                    if let ReadFieldResult::Field { .. } = result {
                        cells.push(
                            String::from_utf8_lossy(&self.field[..used])
                                .trim()
                                .to_string(),
                        );
                    }
                    return cells;
                }
                ReadFieldResult::InputEmpty => {}
                ReadFieldResult::OutputFull => {
                    let len = self.field.len();
                    self.field.resize(len * 2 + 16, 0);
                }
                ReadFieldResult::Field { record_end } => {
                    cells.push(
                        String::from_utf8_lossy(&self.field[..used])
                            .trim()
                            .to_string(),
                    );
                    used = 0;
                    if record_end {
                        return cells;
                    }
                }
                ReadFieldResult::End => return cells,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let mut csv = CsvLine::default();
        assert_eq!(csv.split("a,\"b,c\",d"), ["a", "b,c", "d"]);
        assert_eq!(csv.split("\"x \"\"y\"\"\", 2 ,"), ["x \"y\"", "2", ""]);
        assert_eq!(csv.split("one"), ["one"]);
        assert_eq!(csv.split("\"open"), ["open"]);
        assert_eq!(csv.split(""), Vec::<String>::new());
    }
}

thread_local! {
    static SPLITTER: std::cell::RefCell<CsvLine> = std::cell::RefCell::new(CsvLine::default());
}

/// Splits one CSV line with this thread's reusable splitter.
pub fn split(line: &str) -> Vec<String> {
    SPLITTER.with(|s| s.borrow_mut().split(line))
}
