//! Facts derived from addresses (scope now; GeoIP, ASN and feeds later), computed once per
//! address and shared by rules and reports.

pub mod scope;
