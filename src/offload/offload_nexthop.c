/* Next hops for the kernel fast path, from the kernel's own tables over
 * rtnetlink: the output route from a local address to a destination
 * (RTM_GETROUTE, as `ip route get DST from SRC`), then the neighbour
 * entry of its gateway or of the destination itself (RTM_GETNEIGH). The
 * program cannot ask bpf_fib_lookup: it answers FWD_DISABLED on a host
 * that does not forward IP, and a TURN host does not. */
/* <net/if.h> before the kernel's headers: they defer to it. */
#include <net/if.h>

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "offload/offload_internal.h"

#define NL_BUF 8192

/* The kernel's RTA_NEXT mixes int and unsigned: its warning is not ours. */
#pragma GCC diagnostic ignored "-Wsign-conversion"

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct rtmsg rt;
		struct ndmsg nd;
	} u;
	uint8_t attrs[64];
};

static int nl_socket(struct offload *o)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { 0, 200000 };
	int one = 1;

	if (o->nl_fd >= 0)
		return o->nl_fd;
	o->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (o->nl_fd < 0)
		return -1;
	/* Strict checking: the kernel answers the one entry asked for. A
	 * kernel that lacks it answers all the same. */
	setsockopt(o->nl_fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	setsockopt(o->nl_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(o->nl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(o->nl_fd);
		o->nl_fd = -1;
	}
	return o->nl_fd;
}

void offload_nexthop_close(struct offload *o)
{
	if (o->nl_fd >= 0)
		close(o->nl_fd);
	o->nl_fd = -1;
}

static void add_attr(struct nl_req *r, unsigned short type, const void *v, size_t len)
{
	struct rtattr *a = (struct rtattr *)((uint8_t *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), v, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + (uint32_t)RTA_ALIGN(a->rta_len);
}

/* Sends r and receives its answer into buf: the answer's header, or NULL
 * (error answer, timeout, a stale answer to an earlier question). */
static struct nlmsghdr *nl_ask(struct offload *o, struct nl_req *r, uint8_t *buf)
{
	int fd = nl_socket(o);
	ssize_t n;

	if (fd < 0)
		return NULL;
	r->nh.nlmsg_flags = NLM_F_REQUEST;
	r->nh.nlmsg_seq = ++o->nl_seq;
	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return NULL;
	for (int tries = 0; tries < 4; tries++) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		n = recv(fd, buf, NL_BUF, 0);
		if (n < 0)
			return NULL;
		if (!NLMSG_OK(h, (size_t)n) || h->nlmsg_seq != o->nl_seq)
			continue;
		return h->nlmsg_type == NLMSG_ERROR ? NULL : h;
	}
	return NULL;
}

/* The output interface and next-hop address (gateway or dst itself). */
static int route_get(struct offload *o, int family, const uint8_t *src, const uint8_t *d,
		     size_t len, int *oif, uint8_t nh[16])
{
	uint8_t buf[NL_BUF];
	struct nl_req r = { 0 };
	struct nlmsghdr *h;
	struct rtattr *a;
	int left;

	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	r.nh.nlmsg_type = RTM_GETROUTE;
	r.u.rt.rtm_family = (unsigned char)family;
	r.u.rt.rtm_dst_len = (unsigned char)(len * 8);
	r.u.rt.rtm_src_len = (unsigned char)(len * 8);
	add_attr(&r, RTA_DST, d, len);
	add_attr(&r, RTA_SRC, src, len);
	h = nl_ask(o, &r, buf);
	if (!h || h->nlmsg_type != RTM_NEWROUTE)
		return -1;
	if (((struct rtmsg *)NLMSG_DATA(h))->rtm_type != RTN_UNICAST)
		return -1; /* local, unreachable, ...: not for the fast path */
	*oif = 0;
	memcpy(nh, d, len);
	left = (int)RTM_PAYLOAD(h);
	for (a = RTM_RTA(NLMSG_DATA(h)); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == 4)
			memcpy(oif, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == len)
			memcpy(nh, RTA_DATA(a), len);
		else if (a->rta_type == RTA_VIA)
			return -1; /* IPv4 via IPv6: not handled */
	}
	return *oif > 0 ? 0 : -1;
}

static int neigh_get(struct offload *o, int family, int ifindex, const uint8_t *nh,
		     size_t nh_len, uint8_t mac[6])
{
	uint8_t buf[NL_BUF];
	struct nl_req r = { 0 };
	struct nlmsghdr *h;
	struct ndmsg *nd;
	struct rtattr *a;
	int left;

	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	r.nh.nlmsg_type = RTM_GETNEIGH;
	r.u.nd.ndm_family = (unsigned char)family;
	r.u.nd.ndm_ifindex = ifindex;
	add_attr(&r, NDA_DST, nh, nh_len);
	h = nl_ask(o, &r, buf);
	if (!h || h->nlmsg_type != RTM_NEWNEIGH)
		return -1;
	nd = NLMSG_DATA(h);
	/* A neighbour the kernel itself would use without asking first. */
	if (!(nd->ndm_state &
	      (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)))
		return -1;
	left = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
	for (a = (struct rtattr *)((uint8_t *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(a, left); a = RTA_NEXT(a, left))
		if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6) {
			memcpy(mac, RTA_DATA(a), 6);
			return 0;
		}
	return -1;
}

/* The interface's own Ethernet address; -1 for any other link type. */
static int own_mac(int ifindex, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd, rc = -1;

	if (!if_indextoname((unsigned)ifindex, ifr.ifr_name))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 &&
	    ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER) {
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
		rc = 0;
	}
	close(fd);
	return rc;
}

bool offload_iface_is_veth(int ifindex)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	bool veth = false;
	int fd;

	if (!if_indextoname((unsigned)ifindex, ifr.ifr_name))
		return false;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		veth = strcmp(info.driver, "veth") == 0;
	close(fd);
	return veth;
}

void offload_nexthop(struct offload *o, uint8_t family, const uint8_t src[16],
		     const uint8_t dst[16], struct ol_l2 *l2, bool *xdp_ok)
{
	int af = family == OL_FAMILY_V6 ? AF_INET6 : AF_INET;
	size_t len = family == OL_FAMILY_V6 ? 16 : 4;
	uint8_t nh[16];
	int oif;

	if (o->fixed.ifindex) {
		*l2 = o->fixed;
		*xdp_ok = true;
		return;
	}
	memset(l2, 0, sizeof(*l2));
	*xdp_ok = false;
	if (route_get(o, af, src, dst, len, &oif, nh) ||
	    neigh_get(o, af, oif, nh, len, l2->dmac) || own_mac(oif, l2->smac))
		return;
	l2->ifindex = (uint32_t)oif;
	/* XDP redirects only to an interface that runs our XDP program (its
	 * driver then takes redirected frames), and to a veth only when
	 * relay-offload=xdp says so: a veth loses them unless its other end
	 * runs XDP or GRO, which cannot be seen from here. The rest is TC's
	 * (auto attaches both) or userspace's. */
	for (size_t i = 0; i < o->n_ifaces; i++)
		if (o->ifaces[i].ifindex == oif)
			*xdp_ok = o->ifaces[i].xdp_fd >= 0 &&
				  (!o->ifaces[i].is_veth || o->veth_xdp);
}

void offload_fixed_nexthop(struct offload *o, int ifindex, const uint8_t smac[6],
			   const uint8_t dmac[6])
{
	o->fixed.ifindex = (uint32_t)ifindex;
	memcpy(o->fixed.smac, smac, 6);
	memcpy(o->fixed.dmac, dmac, 6);
}
