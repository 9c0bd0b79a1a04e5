//! The TCP dynamic (ephemeral) port range this machine is configured with: what
//! `netsh int ipv4 show dynamicport tcp` prints. No Win32 function returns it (netsh reads an
//! undocumented NSI store); the documented route is WMI's `MSFT_NetTCPSetting` in
//! `ROOT\StandardCimv2` (what PowerShell's `Get-NetTCPSetting` reads), queried once per process.

/// `[first, last]` of the range `MSFT_NetTCPSetting` reports.
pub fn tcp_dynamic_range() -> Result<[u16; 2], String> {
    // A thread of our own: COM is initialised for it alone, whatever the caller's apartment.
    std::thread::spawn(query)
        .join()
        .map_err(|_| "the WMI query thread panicked".to_string())?
}

/// The range from a start port and a port count, as WMI gives them; `None` when they make no
/// range (a count of 0, a start of 0).
pub fn range_of(start: i64, count: i64) -> Option<[u16; 2]> {
    let first = u16::try_from(start).ok().filter(|&p| p > 0)?;
    let count = u16::try_from(count.min(65536 - start))
        .ok()
        .filter(|&c| c > 0)?;
    Some([first, first + (count - 1)])
}

#[allow(unsafe_code)]
fn query() -> Result<[u16; 2], String> {
    use windows::Win32::System::Com::{
        CLSCTX_INPROC_SERVER, COINIT_MULTITHREADED, CoCreateInstance, CoInitializeEx,
        CoSetProxyBlanket, CoUninitialize, EOAC_NONE, RPC_C_AUTHN_LEVEL_CALL,
        RPC_C_IMP_LEVEL_IMPERSONATE,
    };
    use windows::Win32::System::Wmi::{
        IWbemClassObject, IWbemLocator, WBEM_FLAG_FORWARD_ONLY, WBEM_FLAG_RETURN_IMMEDIATELY,
        WbemLocator,
    };
    use windows::core::{BSTR, PCWSTR};

    // rpcdce.h's RPC_C_AUTHN_WINNT and RPC_C_AUTHZ_NONE (their module is a feature of its own).
    const AUTHN_WINNT: u32 = 10;
    const AUTHZ_NONE: u32 = 0;
    // How long WMI may take to answer, in ms: a scan must not hang on a stuck WMI service.
    const TIMEOUT_MS: i32 = 5000;

    // SAFETY: first COM call of this fresh thread; balanced by CoUninitialize below, after
    // every interface pointer of the block has been dropped.
    let init = unsafe { CoInitializeEx(None, COINIT_MULTITHREADED) };
    if init.is_err() {
        return Err(format!("CoInitializeEx failed: {}", init.message()));
    }
    let result = (|| -> Result<[u16; 2], String> {
        // SAFETY: WbemLocator is the class id of IWbemLocator's in-process server.
        let locator: IWbemLocator =
            unsafe { CoCreateInstance(&WbemLocator, None, CLSCTX_INPROC_SERVER) }
                .map_err(|e| format!("WbemLocator: {e}"))?;
        let empty = BSTR::new();
        // SAFETY: every BSTR outlives the call; no context object.
        let services = unsafe {
            locator.ConnectServer(
                &BSTR::from(r"ROOT\StandardCimv2"),
                &empty,
                &empty,
                &empty,
                0,
                &empty,
                None,
            )
        }
        .map_err(|e| format!("ROOT\\StandardCimv2: {e}"))?;
        // SAFETY: `services` is a live proxy; the constants are the documented defaults for
        // local WMI calls.
        unsafe {
            CoSetProxyBlanket(
                &services,
                AUTHN_WINNT,
                AUTHZ_NONE,
                PCWSTR::null(),
                RPC_C_AUTHN_LEVEL_CALL,
                RPC_C_IMP_LEVEL_IMPERSONATE,
                None,
                EOAC_NONE,
            )
        }
        .map_err(|e| format!("CoSetProxyBlanket: {e}"))?;
        // SAFETY: the BSTRs outlive the call; no context object.
        let rows = unsafe {
            services.ExecQuery(
                &BSTR::from("WQL"),
                &BSTR::from(
                    "SELECT DynamicPortRangeStartPort, DynamicPortRangeNumberOfPorts FROM MSFT_NetTCPSetting",
                ),
                WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY,
                None,
            )
        }
        .map_err(|e| format!("MSFT_NetTCPSetting: {e}"))?;
        // Every setting template carries the same machine-wide range: the first one answers.
        let mut row: [Option<IWbemClassObject>; 1] = [None];
        let mut returned = 0u32;
        // SAFETY: one slot for one object; `returned` is a live out-pointer.
        let next = unsafe { rows.Next(TIMEOUT_MS, &mut row, &mut returned) };
        let Some(object) = row[0].take().filter(|_| returned == 1) else {
            return Err(format!(
                "MSFT_NetTCPSetting has no instance ({})",
                next.message()
            ));
        };
        let start = integer(&object, "DynamicPortRangeStartPort")?;
        let count = integer(&object, "DynamicPortRangeNumberOfPorts")?;
        range_of(start, count).ok_or_else(|| {
            format!("MSFT_NetTCPSetting gives no range (start {start}, {count} ports)")
        })
    })();
    // SAFETY: balances the successful CoInitializeEx above; the closure dropped its interfaces.
    unsafe { CoUninitialize() };
    result
}

/// An integer property of a WMI object (CIM uint16 and uint32 arrive as VT_I4).
#[allow(unsafe_code)]
fn integer(
    object: &windows::Win32::System::Wmi::IWbemClassObject,
    name: &str,
) -> Result<i64, String> {
    use windows::Win32::System::Variant::{VARIANT, VT_I2, VT_I4, VT_UI2, VT_UI4, VariantClear};
    use windows::core::HSTRING;

    let wide = HSTRING::from(name);
    let mut value = VARIANT::default();
    // SAFETY: `wide` is NUL-terminated and outlives the call; `value` is an initialised
    // VARIANT the call fills, cleared below.
    unsafe {
        object.Get(
            windows::core::PCWSTR(wide.as_ptr()),
            0,
            &mut value,
            None,
            None,
        )
    }
    .map_err(|e| format!("{name}: {e}"))?;
    // SAFETY: the union member read is the one `vt` names.
    let number = unsafe {
        let inner = &value.Anonymous.Anonymous;
        match inner.vt {
            VT_I4 => Some(i64::from(inner.Anonymous.lVal)),
            VT_UI4 => Some(i64::from(inner.Anonymous.ulVal)),
            VT_I2 => Some(i64::from(inner.Anonymous.iVal)),
            VT_UI2 => Some(i64::from(inner.Anonymous.uiVal)),
            _ => None,
        }
    };
    // SAFETY: `value` was filled by Get and is cleared once.
    let _ = unsafe { VariantClear(&mut value) };
    number.ok_or_else(|| format!("{name} is not an integer"))
}

#[cfg(test)]
mod tests {
    use super::{range_of, tcp_dynamic_range};

    /// The real WMI query (Wine has no ROOT\StandardCimv2: the error must name the namespace).
    #[test]
    fn the_wmi_query_gives_a_range_or_says_what_failed() {
        match tcp_dynamic_range() {
            Ok([first, last]) => assert!(first >= 1024 && first <= last, "{first}-{last}"),
            Err(err) => assert!(
                err.contains("StandardCimv2")
                    || err.contains("MSFT_NetTCPSetting")
                    || err.contains("Co"),
                "{err}"
            ),
        }
    }

    #[test]
    fn start_and_count_make_the_range_netsh_prints() {
        assert_eq!(range_of(49152, 16384), Some([49152, 65535]));
        assert_eq!(range_of(10000, 1000), Some([10000, 10999]));
        // A count running past 65535 stops there.
        assert_eq!(range_of(60000, 10000), Some([60000, 65535]));
        assert_eq!(range_of(0, 100), None);
        assert_eq!(range_of(49152, 0), None);
    }
}
