//! One netlink dump loop for every table we read over netlink (Linux): routes, neighbours and
//! links (rtnetlink), and listener queues (sock_diag).
//!
//! The crates give message types, not a request/answer loop; this is that loop, once: send a
//! dump request, read datagrams until `NLMSG_DONE`, skip answers to other requests, turn a
//! kernel error into an error, and retry a dump the kernel marks as interrupted.

use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NetlinkDeserializable, NetlinkHeader,
    NetlinkMessage, NetlinkPayload, NetlinkSerializable,
};
use netlink_sys::{Socket, SocketAddr};

/// A dump the kernel marks as interrupted (the table changed meanwhile) is retried this often.
const DUMP_ATTEMPTS: usize = 3;

/// Why a dump failed.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// The netlink socket could not be opened or used.
    #[error("{0}")]
    Socket(std::io::Error),
    /// The kernel answered the request with an error.
    #[error("{0}")]
    Kernel(std::io::Error),
    /// The answer did not decode.
    #[error("{0}")]
    Decode(String),
}

impl DumpError {
    /// The OS error number, for the socket and kernel errors.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            DumpError::Socket(e) | DumpError::Kernel(e) => e.raw_os_error(),
            DumpError::Decode(_) => None,
        }
    }
}

/// A connected netlink socket of one protocol family (NETLINK_ROUTE, NETLINK_SOCK_DIAG...), in
/// the network namespace of the thread that opened it.
pub struct Conn {
    socket: Socket,
    seq: u32,
}

impl Conn {
    /// Opens and connects a socket of `protocol`.
    pub fn open(protocol: isize) -> Result<Conn, DumpError> {
        let mut socket = Socket::new(protocol).map_err(DumpError::Socket)?;
        socket
            .bind_auto()
            .and_then(|_| socket.connect(&SocketAddr::new(0, 0)))
            .map_err(DumpError::Socket)?;
        Ok(Conn { socket, seq: 0 })
    }

    /// Sends one dump request and collects the answers, retrying an interrupted dump; after
    /// the last attempt the answers of an interrupted dump are returned with a warning.
    pub fn dump<I>(&mut self, request: I, what: &str) -> Result<Vec<I>, DumpError>
    where
        I: NetlinkSerializable + NetlinkDeserializable + Clone,
    {
        let mut answers = Vec::new();
        self.dump_into(request, what, &mut answers, &mut Some)?;
        Ok(answers)
    }

    /// Like [`Conn::dump`], but each answer is converted as it is read and appended to `out`
    /// (what `convert` returns `None` for is dropped): a large table (100k sockets) is never
    /// held twice. A retried attempt first removes what the interrupted one appended.
    pub fn dump_into<I, T>(
        &mut self,
        request: I,
        what: &str,
        out: &mut Vec<T>,
        convert: &mut dyn FnMut(I) -> Option<T>,
    ) -> Result<(), DumpError>
    where
        I: NetlinkSerializable + NetlinkDeserializable + Clone,
    {
        let start = out.len();
        for _ in 0..DUMP_ATTEMPTS {
            out.truncate(start);
            if !self.dump_once(request.clone(), out, convert)? {
                return Ok(());
            }
        }
        tracing::warn!("the {what} kept changing while it was read; it may be incomplete");
        Ok(())
    }

    /// One attempt; whether the kernel marked the dump as interrupted.
    fn dump_once<I, T>(
        &mut self,
        request: I,
        out: &mut Vec<T>,
        convert: &mut dyn FnMut(I) -> Option<T>,
    ) -> Result<bool, DumpError>
    where
        I: NetlinkSerializable + NetlinkDeserializable,
    {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_DUMP;
        header.sequence_number = seq;
        let mut message = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(request));
        message.finalize();
        let mut buf = vec![0; message.buffer_len()];
        message.serialize(&mut buf);
        self.socket.send(&buf, 0).map_err(DumpError::Socket)?;
        let mut interrupted = false;
        loop {
            let (data, _) = self.socket.recv_from_full().map_err(DumpError::Socket)?;
            if data.is_empty() {
                return Err(DumpError::Decode(
                    "the netlink socket returned no data".to_string(),
                ));
            }
            let mut offset = 0;
            while offset < data.len() {
                let parsed = NetlinkMessage::<I>::deserialize(&data[offset..])
                    .map_err(|e| DumpError::Decode(e.to_string()))?;
                let length = usize::try_from(parsed.header.length).unwrap_or(0);
                if length == 0 {
                    return Err(DumpError::Decode(
                        "a netlink message of length 0".to_string(),
                    ));
                }
                // Messages are 4-byte aligned in the buffer.
                offset += (length + 3) & !3;
                if parsed.header.sequence_number != seq {
                    continue;
                }
                interrupted |= parsed.header.flags & NLM_F_DUMP_INTR != 0;
                match parsed.payload {
                    // A dump the kernel has no handler for (raw_diag not built) ends with
                    // an error code in its DONE message, not an error message.
                    NetlinkPayload::Done(done) if done.code < 0 => {
                        return Err(DumpError::Kernel(std::io::Error::from_raw_os_error(
                            -done.code,
                        )));
                    }
                    NetlinkPayload::Done(_) => return Ok(interrupted),
                    NetlinkPayload::Error(e) if e.code.is_some() => {
                        return Err(DumpError::Kernel(e.to_io()));
                    }
                    NetlinkPayload::Overrun(_) => {
                        return Err(DumpError::Decode("netlink buffer overrun".to_string()));
                    }
                    NetlinkPayload::InnerMessage(inner) => out.extend(convert(inner)),
                    _ => {}
                }
            }
        }
    }
}
