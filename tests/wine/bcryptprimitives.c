/*
 * Test-only stand-in for Windows' bcryptprimitives.dll, for running the Windows build under
 * Debian's Wine 8.0 (tests/wine_smoke.rs). Rust's std (since 1.78) takes its random bytes from
 * ProcessPrng, which Wine only added in 8.13; without this export the exe does not start.
 * Built from this source by scripts/test with mingw-w64 next to the test's copy of the exe;
 * never shipped. The bytes come from RtlGenRandom (advapi32's SystemFunction036), which
 * Wine 8.0 implements.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
