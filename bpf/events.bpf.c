// SPDX-License-Identifier: MIT OR GPL-2.0
/* sockaudit's event stream (docs/events.md): every TCP connect, accept, listen and close,
 * the first UDP send of a process to each peer, and raw/packet socket creation, each with
 * its owner as the kernel knows it at that moment. The programs only observe: none changes
 * a return value or drops anything.
 *
 * Attach points are tracepoints only: this kernel family has no kprobes (CONFIG_KPROBES
 * unset), and under its forced lockdown (integrity) every trampoline program - fentry,
 * fexit, fmod_ret, BPF LSM - is refused at load with EPERM (measured: docs/events.md).
 *   tp_btf/inet_sock_set_state  connect (-> SYN_SENT names the owner inside connect(); the
 *                               event leaves once the source port is known, at ESTABLISHED
 *                               or CLOSE), listen (-> LISTEN, inside listen()), passive
 *                               start (-> SYN_RECV), close (-> CLOSE: lifetime, bytes)
 *   tp_btf/sys_exit             accept/accept4 (the accepting process, from the new fd),
 *                               socket() of raw and packet sockets, first UDP
 *                               sendto/sendmsg/sendmmsg per (process, peer); x86_64 numbers
 * Built by scripts/build-bpf; the object is committed (bpf/events.bpf.o). */
#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Keep in step with src/collect/events/wire.rs (checked there by size and offsets). */
enum kind {
	EV_CONNECT = 1,
	EV_ACCEPT = 2,
	EV_LISTEN = 3,
	EV_CLOSE = 4,
	EV_UDP_SEND = 5,
	EV_RAW_SOCKET = 6,
};

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_CLOSE 7
#define TCP_LISTEN 10

#define EXE_LEN 64

struct owner {
	__u64 cgroup_id;
	/* The process's start (its leader's start_boottime, ns): with tgid, a key no PID reuse
	 * repeats, for userspace's cache of /proc facts (0 when this kernel has no such field). */
	__u64 start_ns;
	__u32 tgid;
	__u32 pid;
	__u32 uid;
	__u32 known; /* 0: nobody was seen owning the socket (a passive one not accepted yet) */
	char comm[16];
	char exe[EXE_LEN];
};

struct event {
	__u64 ts_ns;       /* bpf_ktime_get_ns: CLOCK_MONOTONIC */
	__u64 duration_ns; /* close: since connect or SYN_RECV; 0 when the start was not seen */
	__u64 bytes_sent;  /* close: bytes acknowledged by the peer */
	__u64 bytes_received;
	__u32 netns;       /* inode of the socket's network namespace */
	__u16 kind;
	__u16 family;
	__u16 sport;       /* host byte order */
	__u16 dport;
	__u16 sock_type;
	__u16 protocol;
	__u8 old_state;    /* close: the TCP state left */
	__u8 start_seen;
	__u8 pad[6];
	__u8 saddr[16];
	__u8 daddr[16];
	struct owner owner;
};

struct start {
	__u64 ts_ns;
	__u64 connect_pending; /* SYN_SENT seen, connect event not sent yet (no source port) */
	struct owner owner;
};

struct udp_key {
	__u32 tgid;
	__u16 family;
	__u16 dport;
	__u8 daddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} EVENTS SEC(".maps");

/* Reservations that failed (ring full): reported by userspace, never silent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} DROPS SEC(".maps");

/* Live TCP sockets we saw start: birth time and owner, keyed by the sock's address. LRU, so
 * memory is bounded whatever the rate; an evicted socket closes with an unknown start. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct start);
} SOCKS SEC(".maps");

/* (process, peer) pairs that already sent UDP: one event per pair, bounded by LRU. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct udp_key);
	__type(value, __u8);
} UDP_SEEN SEC(".maps");

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&DROPS, &zero);
	if (n)
		*n += 1;
}

static __always_inline void current_owner(struct owner *o)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();
	o->tgid = id >> 32;
	o->pid = (__u32)id;
	o->uid = (__u32)bpf_get_current_uid_gid();
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->known = 1;
	if (bpf_core_field_exists(task->start_boottime))
		o->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	const unsigned char *name = BPF_CORE_READ(task, mm, exe_file, f_path.dentry, d_name.name);
	if (name)
		bpf_probe_read_kernel_str(o->exe, sizeof(o->exe), name);
}

static __always_inline void fill_addrs(struct event *e, struct sock *sk)
{
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	/* At CLOSE the port may already be released (skc_num zeroed): inet_sport keeps it. */
	if (!e->sport)
		e->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	e->sock_type = BPF_CORE_READ(sk, sk_type);
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
	if (e->family == AF_INET) {
		__u32 s = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(e->saddr, &s, 4);
		__builtin_memcpy(e->daddr, &d, 4);
	} else {
		bpf_probe_read_kernel(e->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(e->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

static __always_inline struct event *reserve(__u16 kind)
{
	struct event *e = bpf_ringbuf_reserve(&EVENTS, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = kind;
	return e;
}

/* The connect of `sk`, once its source port is known (the state after SYN_SENT). */
static __always_inline void send_connect(struct sock *sk, struct start *st)
{
	st->connect_pending = 0;
	struct event *e = reserve(EV_CONNECT);
	if (!e)
		return;
	fill_addrs(e, sk);
	/* Stamped when connect() ran, not when the handshake ended. */
	e->ts_ns = st->ts_ns;
	e->owner = st->owner;
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_set_state, struct sock *sk, int oldstate, int newstate)
{
	if (oldstate == newstate || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__u64 key = (__u64)sk;
	if (newstate == TCP_SYN_SENT) {
		/* tcp_v4_connect/tcp_v6_connect, inside connect(): the current task owns it. The
		 * source port is chosen just after this, so the event waits for the next state. */
		struct start st = {};
		st.ts_ns = bpf_ktime_get_ns();
		st.connect_pending = 1;
		current_owner(&st.owner);
		bpf_map_update_elem(&SOCKS, &key, &st, BPF_ANY);
		return 0;
	}
	if (newstate == TCP_SYN_RECV) {
		/* A passive connection is born in softirq: no owner yet, accept() names it. */
		struct start st = {};
		st.ts_ns = bpf_ktime_get_ns();
		bpf_map_update_elem(&SOCKS, &key, &st, BPF_NOEXIST);
		return 0;
	}
	if (newstate == TCP_LISTEN) {
		/* inet_csk_listen_start runs inside listen(): the current task is the owner,
		 * remembered for the listener's close. */
		struct start st = {};
		st.ts_ns = bpf_ktime_get_ns();
		current_owner(&st.owner);
		bpf_map_update_elem(&SOCKS, &key, &st, BPF_ANY);
		struct event *e = reserve(EV_LISTEN);
		if (!e)
			return 0;
		fill_addrs(e, sk);
		e->owner = st.owner;
		bpf_ringbuf_submit(e, 0);
		return 0;
	}
	struct start *st = bpf_map_lookup_elem(&SOCKS, &key);
	if (st && st->connect_pending && oldstate == TCP_SYN_SENT)
		send_connect(sk, st);
	if (newstate != TCP_CLOSE)
		return 0;
	struct event *e = reserve(EV_CLOSE);
	if (!e) {
		bpf_map_delete_elem(&SOCKS, &key);
		return 0;
	}
	fill_addrs(e, sk);
	e->old_state = oldstate;
	if (st) {
		/* The owner recorded at connect/accept: the close may run in softirq, where the
		 * current task is whoever was interrupted. */
		e->owner = st->owner;
		if (st->ts_ns) {
			e->start_seen = 1;
			e->duration_ns = e->ts_ns - st->ts_ns;
		}
		bpf_map_delete_elem(&SOCKS, &key);
	}
	if (oldstate != TCP_LISTEN) {
		struct tcp_sock *tp = (struct tcp_sock *)sk;
		e->bytes_sent = BPF_CORE_READ(tp, bytes_acked);
		e->bytes_received = BPF_CORE_READ(tp, bytes_received);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define NR_SOCKET 41
#define NR_ACCEPT 43
#define NR_SENDTO 44
#define NR_SENDMSG 46
#define NR_ACCEPT4 288
#define NR_SENDMMSG 307

/* The sock behind descriptor `fd` of the current task; 0 when it is not a socket we can
 * read. Only called after a socket syscall succeeded on `fd`, so private_data is a socket. */
static __always_inline struct sock *sock_of_fd(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = 0;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) < 0 || !f)
		return 0;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	if (!sock)
		return 0;
	return BPF_CORE_READ(sock, sk);
}

static __always_inline void on_accepted(long fd)
{
	struct sock *sk = sock_of_fd(fd);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	__u64 key = (__u64)sk;
	struct start st = {};
	struct start *known = bpf_map_lookup_elem(&SOCKS, &key);
	st.ts_ns = known ? known->ts_ns : 0;
	current_owner(&st.owner);
	bpf_map_update_elem(&SOCKS, &key, &st, BPF_ANY);
	struct event *e = reserve(EV_ACCEPT);
	if (!e)
		return;
	fill_addrs(e, sk);
	e->owner = st.owner;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void on_socket(struct pt_regs *regs, long fd)
{
	int family = BPF_CORE_READ(regs, di);
	int type = BPF_CORE_READ(regs, si) & 0xf; /* without SOCK_NONBLOCK/SOCK_CLOEXEC */
	if (family != AF_PACKET && type != SOCK_RAW)
		return;
	struct event *e = reserve(EV_RAW_SOCKET);
	if (!e)
		return;
	struct sock *sk = sock_of_fd(fd);
	if (sk)
		e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	e->family = family;
	e->sock_type = type;
	e->protocol = BPF_CORE_READ(regs, dx);
	current_owner(&e->owner);
	bpf_ringbuf_submit(e, 0);
}

/* The first successful UDP send of a process to a peer. `uaddr` is the caller's
 * destination (sendto, msg_name), or 0 for a connected socket. */
static __always_inline void on_udp_send(long fd, void *uaddr)
{
	struct sock *sk = sock_of_fd(fd);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return;
	struct udp_key key = {};
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	struct sockaddr_in6 sa = {};
	if (uaddr && bpf_probe_read_user(&sa, sizeof(sa), uaddr) == 0 && sa.sin6_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&sa;
		key.family = AF_INET;
		key.dport = bpf_ntohs(sin->sin_port);
		__builtin_memcpy(key.daddr, &sin->sin_addr.s_addr, 4);
	} else if (uaddr && sa.sin6_family == AF_INET6) {
		key.family = AF_INET6;
		key.dport = bpf_ntohs(sa.sin6_port);
		__builtin_memcpy(key.daddr, sa.sin6_addr.s6_addr, 16);
	} else {
		key.family = BPF_CORE_READ(sk, __sk_common.skc_family);
		key.dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (key.family == AF_INET) {
			__u32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);
			__builtin_memcpy(key.daddr, &d, 4);
		} else {
			bpf_probe_read_kernel(key.daddr, 16, &sk->__sk_common.skc_v6_daddr);
		}
	}
	__u8 one = 1;
	/* Only the first send per pair: NOEXIST fails when the pair is already known. */
	if (bpf_map_update_elem(&UDP_SEEN, &key, &one, BPF_NOEXIST) != 0)
		return;
	struct event *e = reserve(EV_UDP_SEND);
	if (!e)
		return;
	fill_addrs(e, sk);
	/* The peer of this send, in the socket's family (an IPv4 peer of an IPv6 socket is
	 * written IPv4-mapped). */
	if (e->family == AF_INET6 && key.family == AF_INET) {
		__builtin_memset(e->daddr, 0, 16);
		e->daddr[10] = 0xff;
		e->daddr[11] = 0xff;
		__builtin_memcpy(&e->daddr[12], key.daddr, 4);
	} else {
		__builtin_memcpy(e->daddr, key.daddr, 16);
	}
	e->dport = key.dport;
	current_owner(&e->owner);
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	if (ret < 0)
		return 0;
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (nr == NR_ACCEPT || nr == NR_ACCEPT4) {
		on_accepted(ret);
	} else if (nr == NR_SOCKET) {
		on_socket(regs, ret);
	} else if (nr == NR_SENDTO) {
		on_udp_send(BPF_CORE_READ(regs, di), (void *)BPF_CORE_READ(regs, r8));
	} else if (nr == NR_SENDMSG || nr == NR_SENDMMSG) {
		/* sendmmsg: the first message's peer (struct mmsghdr starts with a msghdr). */
		struct user_msghdr m = {};
		void *umsg = (void *)BPF_CORE_READ(regs, si);
		if (bpf_probe_read_user(&m, sizeof(m), umsg) == 0)
			on_udp_send(BPF_CORE_READ(regs, di), m.msg_name);
	}
	return 0;
}
