//! Linux-only readers of `/proc`: socket ownership, connected UDP peers, executable links.
//!
//! netstat2 gives the socket table over netlink; these fill in what it does not: which
//! process holds each socket inode (its own walk `expect()`s on `/proc` and cannot tell
//! "permission denied" from "process exited"), and the peer of a connected UDP socket.

pub mod attribute;
pub mod cgroup;
pub mod cmdline;
pub mod counters;
mod deep;
pub mod diag;
pub mod exe_gap;
pub mod fds;
pub mod held;
pub mod hidden;
pub mod kthread;
pub mod live;
pub mod mountinfo;
pub mod namespace;
pub mod netlink;
pub mod netns;
pub mod packet_diag;
pub mod probe;
pub mod procfs;
pub mod proctables;
pub mod rawsock;
pub mod relay;
pub mod routes;
pub mod traffic;
pub mod udp;
pub mod unhide;
