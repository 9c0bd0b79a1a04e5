//! `logsource.product` against the OS a snapshot comes from.

use crate::model::Snapshot;

/// The operating systems Sigma `network_connection` rules are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Product {
    /// `linux`.
    Linux,
    /// `windows`.
    Windows,
    /// `macos`.
    Macos,
}

impl Product {
    /// The product as Sigma writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Linux => "linux",
            Product::Windows => "windows",
            Product::Macos => "macos",
        }
    }

    /// A `logsource.product` value.
    pub fn parse(text: &str) -> Option<Product> {
        match text.to_ascii_lowercase().as_str() {
            "linux" => Some(Product::Linux),
            "windows" => Some(Product::Windows),
            "macos" => Some(Product::Macos),
            _ => None,
        }
    }
}

/// The OS a snapshot comes from: `host.os` for collections, else the capture format in
/// `source` (`file:x.txt (netstat-windows)`); `None` when neither says (lsof runs on Linux
/// and macOS alike).
pub fn snapshot_os(snapshot: &Snapshot) -> Option<Product> {
    if let Some(os) = snapshot.host.os.as_deref().map(str::to_ascii_lowercase) {
        if os.contains("windows") {
            return Some(Product::Windows);
        }
        if os.contains("macos") || os.contains("mac os") || os.contains("darwin") {
            return Some(Product::Macos);
        }
        if os.contains("linux") {
            return Some(Product::Linux);
        }
    }
    let format = snapshot.source.rsplit_once('(')?.1;
    let format = format.split([')', ',']).next()?.trim();
    match format {
        "netstat-windows" | "tcpview" | "tcpvcon" => Some(Product::Windows),
        "netstat-linux" | "ss" => Some(Product::Linux),
        "netstat-macos" => Some(Product::Macos),
        _ => None,
    }
}

/// Why a rule for `product` does not run on this snapshot, if it does not. An unknown OS runs
/// every rule: nothing says it is the wrong one.
pub fn mismatch(product: Option<Product>, snapshot: &Snapshot) -> Option<String> {
    let product = product?;
    let os = snapshot_os(snapshot)?;
    (os != product).then(|| {
        format!(
            "a rule for {} (logsource.product) and this input comes from {}",
            product.as_str(),
            os.as_str()
        )
    })
}
