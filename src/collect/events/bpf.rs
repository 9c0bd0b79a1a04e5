//! The eBPF mode: loads the committed object (bpf/events.bpf.o, built by scripts/build-bpf
//! from bpf/events.bpf.c) with aya, attaches its programs and reads the ring buffer.

use std::os::fd::AsFd;
use std::time::Duration;

use aya::maps::{MapData, PerCpuArray, RingBuf};
use aya::programs::BtfTracePoint;
use aya::{Btf, Ebpf};

use super::error::EventsError;
use super::wire::{self, Record};

/// The object's bytes, 8-aligned: the ELF parser reads its headers in place and refuses
/// misaligned data, which `include_bytes!` alone does not rule out.
#[repr(C, align(8))]
struct Aligned<B: ?Sized>(B);

static OBJECT: &Aligned<[u8]> = &Aligned(*include_bytes!("../../../bpf/events.bpf.o"));

/// Each program and the tracepoint it attaches to (BTF-typed, so no tracefs is needed).
/// Only tracepoints: this kernel family has no kprobes, and its forced lockdown refuses every
/// trampoline program (fentry, fexit, BPF LSM) at load (docs/events.md).
const PROGRAMS: &[(&str, &str)] = &[
    ("on_set_state", "inet_sock_set_state"),
    ("on_sys_exit", "sys_exit"),
];

/// The program every stream needs (TCP connect, listen, close); without the other, accepts
/// are unnamed and UDP and raw sockets are missing, which the stream says.
const REQUIRED: &[&str] = &["on_set_state"];

/// How long a read lets records accumulate after the first one arrived (see
/// [`BpfSource::read`]): well under the 100 ms connect-to-event goal, and at most 100 reader
/// wakeups a second whatever the event rate.
pub const COALESCE: Duration = Duration::from_millis(10);

/// A loaded and attached set of programs (detached when dropped) and its ring buffer.
pub struct BpfSource {
    // Owns the programs and their links: dropping it detaches everything.
    ebpf: Ebpf,
    ring: RingBuf<MapData>,
    /// Attach points that failed (optional programs only), with the error.
    pub failed: Vec<String>,
    /// Records of a size this build does not know (never misread).
    pub malformed: u64,
}

/// The full chain of an error: aya's top-level messages alone ("error loading program")
/// do not say why.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        text.push_str(": ");
        text.push_str(&e.to_string());
        next = e.source();
    }
    text
}

fn attach(ebpf: &mut Ebpf, btf: &Btf, name: &str, target: &str) -> Result<(), String> {
    let program = ebpf
        .program_mut(name)
        .ok_or_else(|| format!("program {name} missing from the object"))?;
    let program: &mut BtfTracePoint = program.try_into().map_err(|e| chain(&e))?;
    program
        .load(target, btf)
        .map_err(|e| format!("tp_btf/{target}: {}", chain(&e)))?;
    program
        .attach()
        .map(drop)
        .map_err(|e| format!("tp_btf/{target}: {}", chain(&e)))
}

impl BpfSource {
    /// Loads and attaches; fails when the kernel has no BTF, refuses BPF (no privileges) or
    /// a TCP program cannot attach.
    pub fn open() -> Result<BpfSource, EventsError> {
        let btf = Btf::from_sys_fs()
            .map_err(|e| EventsError::Bpf(format!("kernel BTF: {}", chain(&e))))?;
        let mut ebpf = Ebpf::load(&OBJECT.0)
            .map_err(|e| EventsError::Bpf(format!("loading the object: {}", chain(&e))))?;
        let mut failed = Vec::new();
        for &(name, target) in PROGRAMS {
            if let Err(err) = attach(&mut ebpf, &btf, name, target) {
                if REQUIRED.contains(&name) {
                    return Err(EventsError::Bpf(err));
                }
                tracing::warn!("events: {err}; those events will be missing");
                failed.push(err);
            }
        }
        let map = ebpf
            .take_map("EVENTS")
            .ok_or_else(|| EventsError::Bpf("ring buffer EVENTS missing from the object".into()))?;
        let ring = RingBuf::try_from(map).map_err(|e| EventsError::Bpf(chain(&e)))?;
        Ok(BpfSource {
            ebpf,
            ring,
            failed,
            malformed: 0,
        })
    }

    /// Waits up to `timeout` for records, then takes every queued one (at most `max`).
    ///
    /// Once the ring's fd says a record is there, it waits [`COALESCE`] more before draining:
    /// the kernel wakes a reader only when the ring was empty, so a reader that drains at
    /// once is woken for nearly every record at a high rate (measured: 18.8% of a core at
    /// 5,000 connections/s). Waiting lets the records of that time pile up and be taken in
    /// one pass, at the price of up to [`COALESCE`] of latency.
    pub fn read(&mut self, timeout: Duration, max: usize) -> Vec<Record> {
        let mut out = Vec::new();
        self.drain(&mut out, max);
        if out.is_empty() {
            let ts = rustix::time::Timespec {
                tv_sec: i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(timeout.subsec_nanos()),
            };
            let ready = {
                let fd = self.ring.as_fd();
                let mut fds = [rustix::event::PollFd::new(
                    &fd,
                    rustix::event::PollFlags::IN,
                )];
                // EINTR (a signal: Ctrl-C) just ends the wait early.
                rustix::event::poll(&mut fds, Some(&ts)).is_ok_and(|n| n > 0)
            };
            if ready {
                std::thread::sleep(COALESCE);
            }
            self.drain(&mut out, max);
        }
        out
    }

    fn drain(&mut self, out: &mut Vec<Record>, max: usize) {
        while out.len() < max {
            let Some(item) = self.ring.next() else { break };
            match wire::decode(&item) {
                Some(r) => out.push(r),
                None => self.malformed += 1,
            }
        }
    }

    /// Records the kernel could not queue so far (the ring was full), summed over CPUs.
    pub fn dropped(&self) -> u64 {
        let Some(map) = self.ebpf.map("DROPS") else {
            return 0;
        };
        match PerCpuArray::<_, u64>::try_from(map) {
            Ok(array) => array
                .get(&0, 0)
                .map(|per_cpu| per_cpu.iter().sum())
                .unwrap_or(0),
            Err(_) => 0,
        }
    }
}
