/* Loading and attaching the fast path (offload.bpf.c, compiled into the
 * binary as a bpftool skeleton). Attachments are links held by file
 * descriptors: XDP through BPF_LINK_CREATE, TC ingress through tcx links
 * (kernel 6.6), so the kernel detaches them when the process goes, a
 * SIGKILL included, and the maps (never pinned) go with them: a restart
 * finds nothing stale. */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_arp.h>

#include "offload/offload_internal.h"
#include "util/errors.h"
#include "util/log.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#include "offload/offload.skel.h"
#pragma GCC diagnostic pop

/* tcx (kernel 6.6): Debian 12's headers predate it. */
#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46
#endif

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("libbpf: %s", line);
	return 0;
}

/* Up, not loopback, Ethernet: where clients and peers arrive. */
static bool iface_usable(const char *name)
{
	struct ifreq ifr = { 0 };
	bool ok = false;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP) &&
	    !(ifr.ifr_flags & IFF_LOOPBACK) && ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 &&
	    ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER)
		ok = true;
	close(fd);
	return ok;
}

static int link_fd(int prog_fd, int ifindex, enum bpf_attach_type type)
{
	int fd = bpf_link_create(prog_fd, ifindex, type, NULL);

	return fd < 0 ? -1 : fd;
}

/* Attaches to one interface as the mode asks. auto: XDP where it can, TC
 * everywhere (for what XDP leaves, see OL_F_XDP_OK). 0 or -1. */
static int attach_one(struct offload *o, enum offload_mode mode, struct offload_iface *it,
		      char *err, size_t errlen)
{
	int xdp_prog = bpf_program__fd(o->skel->progs.turnroom_xdp);
	int tc_prog = bpf_program__fd(o->skel->progs.turnroom_tc);
	char name[IF_NAMESIZE] = "?";

	if_indextoname((unsigned)it->ifindex, name);
	it->is_veth = offload_iface_is_veth(it->ifindex);
	if (mode == OFFLOAD_XDP || mode == OFFLOAD_AUTO)
		it->xdp_fd = link_fd(xdp_prog, it->ifindex, BPF_XDP);
	if (mode == OFFLOAD_XDP && it->xdp_fd < 0) {
		snprintf(err, errlen, "cannot attach XDP to %s: %s", name,
			 strerror(errno));
		return -1;
	}
	if (mode == OFFLOAD_TC || mode == OFFLOAD_AUTO)
		it->tc_fd = link_fd(tc_prog, it->ifindex, BPF_TCX_INGRESS);
	if ((mode == OFFLOAD_TC || (mode == OFFLOAD_AUTO && it->xdp_fd < 0)) &&
	    it->tc_fd < 0) {
		snprintf(err, errlen, "cannot attach TC ingress to %s: %s", name,
			 strerror(errno));
		return -1;
	}
	o->xdp |= it->xdp_fd >= 0;
	o->tc |= it->tc_fd >= 0;
	return 0;
}

static bool carries(const struct ifaddrs *it, const struct tr_addr *addrs, size_t n)
{
	struct tr_addr a;

	if (!it->ifa_addr ||
	    (it->ifa_addr->sa_family != AF_INET && it->ifa_addr->sa_family != AF_INET6) ||
	    addr_from_sockaddr(&a, it->ifa_addr, sizeof(struct sockaddr_storage)))
		return false;
	for (size_t i = 0; i < n; i++)
		if (addr_is_any(&addrs[i]) || addr_equal_ip(&addrs[i], &a))
			return true;
	return false;
}

static bool listed(const struct offload *o, int ifindex)
{
	for (size_t i = 0; i < o->n_ifaces; i++)
		if (o->ifaces[i].ifindex == ifindex)
			return true;
	return false;
}

/* Lists the interfaces that carry one of addrs (all of them for a
 * wildcard) into o->ifaces, attached nowhere yet. */
static int find_ifaces(struct offload *o, const struct tr_addr *addrs, size_t n,
		       char *err, size_t errlen)
{
	struct ifaddrs *list, *it;

	if (getifaddrs(&list) < 0) {
		snprintf(err, errlen, "cannot list interfaces: %s", strerror(errno));
		return -1;
	}
	for (it = list; it; it = it->ifa_next) {
		int ifindex;

		if (!carries(it, addrs, n) || !iface_usable(it->ifa_name))
			continue;
		ifindex = (int)if_nametoindex(it->ifa_name);
		if (ifindex <= 0 || listed(o, ifindex))
			continue;
		if (o->n_ifaces == OFFLOAD_MAX_IFACES) {
			log_warn(
				"relay-offload: more than %d interfaces, %s and the rest left out",
				OFFLOAD_MAX_IFACES, it->ifa_name);
			break;
		}
		o->ifaces[o->n_ifaces++] = (struct offload_iface){ .ifindex = ifindex,
								   .xdp_fd = -1,
								   .tc_fd = -1 };
	}
	freeifaddrs(list);
	if (o->n_ifaces == 0) {
		snprintf(err, errlen,
			 "no Ethernet interface carries a listening or relay address");
		return -1;
	}
	return 0;
}

static void detach_all(struct offload *o)
{
	for (size_t i = 0; i < o->n_ifaces; i++) {
		if (o->ifaces[i].xdp_fd >= 0)
			close(o->ifaces[i].xdp_fd);
		if (o->ifaces[i].tc_fd >= 0)
			close(o->ifaces[i].tc_fd);
		o->ifaces[i].xdp_fd = o->ifaces[i].tc_fd = -1;
	}
}

static struct offload *offload_alloc(void)
{
	struct offload *o = calloc(1, sizeof(*o));

	if (o)
		o->nl_fd = -1;
	return o;
}

static int load(struct offload *o, char *err, size_t errlen)
{
	libbpf_set_print(libbpf_quiet);
	errno = 0;
	o->skel = offload_bpf__open_and_load();
	if (!o->skel || !o->skel->bss) {
		snprintf(err, errlen, "cannot load the eBPF program: %s",
			 strerror(errno ? errno : EINVAL));
		return TR_EIO;
	}
	o->c2p_fd = bpf_map__fd(o->skel->maps.ol_c2p);
	o->p2c_fd = bpf_map__fd(o->skel->maps.ol_p2c);
	for (uint32_t i = 0; i < OL_MAX_ENTRIES; i++)
		o->free_slots[i] = OL_MAX_ENTRIES - 1 - i;
	o->n_free = OL_MAX_ENTRIES;
	return 0;
}

int offload_load(struct offload **out, char *err, size_t errlen)
{
	struct offload *o = offload_alloc();
	int rc;

	*out = NULL;
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return TR_ENOMEM;
	}
	rc = load(o, err, errlen);
	if (rc) {
		offload_free(o);
		return rc;
	}
	*out = o;
	return 0;
}

/* Interfaces first (no interface: nothing loaded), then the program,
 * then the attachments. */
int offload_start(enum offload_mode mode, const struct tr_addr *addrs, size_t n,
		  struct offload **out, char *err, size_t errlen)
{
	struct offload *o = offload_alloc();
	int rc = TR_EIO;

	*out = NULL;
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return TR_ENOMEM;
	}
	if (find_ifaces(o, addrs, n, err, errlen) || (rc = load(o, err, errlen)))
		goto fail;
	rc = TR_EIO;
	o->veth_xdp = mode == OFFLOAD_XDP;
	for (size_t i = 0; i < o->n_ifaces; i++)
		if (attach_one(o, mode, &o->ifaces[i], err, errlen))
			goto fail;
	*out = o;
	return 0;
fail:
	offload_free(o);
	return rc;
}

void offload_free(struct offload *o)
{
	if (!o)
		return;
	detach_all(o);
	offload_nexthop_close(o);
	offload_bpf__destroy(o->skel);
	free(o);
}

const char *offload_attach_name(const struct offload *o)
{
	return o->xdp && o->tc ? "xdp+tc" : o->xdp ? "xdp" : "tc";
}

size_t offload_interface_count(const struct offload *o)
{
	return o->n_ifaces;
}

size_t offload_entry_count(const struct offload *o)
{
	return o->entries;
}

void offload_stats(const struct offload *o, struct offload_stats *out)
{
	const volatile __u64 *st = o->skel->bss->ol_stats;

	out->passed_expired = st[OL_STAT_PASS_EXPIRED];
	out->passed_no_nexthop = st[OL_STAT_PASS_NO_L2] + st[OL_STAT_PASS_XDP_TARGET];
	out->passed_length = st[OL_STAT_PASS_LENGTH];
	out->passed_ttl = st[OL_STAT_PASS_TTL];
	out->passed_mtu = st[OL_STAT_PASS_MTU];
}

int offload_test_run(struct offload *o, bool xdp, struct offload_run *run)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = run->in,
		    .data_size_in = (__u32)run->in_len, .data_out = run->out,
		    .data_size_out = (__u32)run->out_len,
		    .repeat = run->repeat ? (int)run->repeat : 1);
	int prog = bpf_program__fd(xdp ? o->skel->progs.turnroom_xdp
				       : o->skel->progs.turnroom_tc);

	if (bpf_prog_test_run_opts(prog, &opts))
		return TR_EIO;
	run->out_len = opts.data_size_out;
	run->verdict = opts.retval;
	run->duration_ns = opts.duration;
	return 0;
}
