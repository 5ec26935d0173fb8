/*
 * The stack as a whole: creation, the two entry points (a frame arrives,
 * time passes), configuration text and the per-application TCP tuning.
 */
#include "net/tcp.h"

static uint16_t
random_port(void)
{
	/* RFC 6056 3.2: ephemeral ports from 49152-65535 */
	return (uint16_t)(49152 + net_random32() % 16384);
}

struct netstack *
net_create(const struct net_ifconfig *ifc)
{
	struct netstack *ns;

	if (ifc == NULL || ifc->output == NULL)
		return NULL;
	if (ifc->mtu != 0 && (ifc->mtu < 576 || ifc->mtu > NET_FRAME_MAX - ETH_HLEN))
		return NULL;
	ns = netglue_alloc(sizeof(*ns));
	if (ns == NULL)
		return NULL;
	ns->ns_if = *ifc;
	ns->ns_mtu = ifc->mtu ? ifc->mtu : NET_MTU_DEFAULT;
	tcp_tune_defaults(&ns->ns_tune);
	ns->ns_cc[0] = &tcp_cc_newreno;
	ns->ns_cc[1] = &tcp_cc_cubic;
	netglue_random(ns->ns_isn_key, sizeof(ns->ns_isn_key));
	ns->ns_ip_id = (uint16_t)net_random32();
	ns->ns_next_port = random_port();
	ns->ns_boot_us = netglue_now_us();
	if (ns->ns_if.addr)
		arp_announce(ns);
	return ns;
}

void
net_destroy(struct netstack *ns)
{
	if (ns == NULL)
		return;
	sock_free_all(ns);
	tcp_free_all(ns);
	dhcp_free(ns);
	arp_flush(ns);
	ip_reass_flush(ns);
	netglue_free(ns);
}

void
net_input(struct netstack *ns, const void *frame, size_t len)
{
	NSTAT(ns, eth_rx);
	eth_input(ns, frame, len);
}

uint64_t
net_timer(struct netstack *ns)
{
	uint64_t now = netglue_now_us(), next;

	next = arp_timer(ns, now);
	next = NET_MIN(next, ip_reass_timer(ns, now));
	next = NET_MIN(next, tcp_timer_all(ns, now));
	next = NET_MIN(next, dhcp_timer(ns, now));
	return next;
}

void
net_set_addr(struct netstack *ns, uint32_t addr, uint32_t mask, uint32_t gw)
{
	int changed = addr != ns->ns_if.addr;

	ns->ns_if.addr = addr;
	ns->ns_if.netmask = mask;
	ns->ns_if.gateway = gw;
	if (changed) {
		arp_flush(ns);
		if (addr)
			arp_announce(ns);
	}
}

void
net_get_ifconfig(struct netstack *ns, struct net_ifconfig *out)
{
	*out = ns->ns_if;
	out->mtu = ns->ns_mtu;
}

const struct net_stats *
net_get_stats(struct netstack *ns)
{
	return &ns->ns_stats;
}

struct tcp_tune *
net_tune(struct netstack *ns)
{
	return &ns->ns_tune;
}

/* --- congestion-control modules --- */

int
tcp_cc_register(struct netstack *ns, const struct tcp_cc_ops *ops)
{
	int i;

	if (ops == NULL || ops->name == NULL || strlen(ops->name) == 0 ||
	    strlen(ops->name) >= sizeof(ns->ns_tune.cc) || ops->init == NULL ||
	    ops->on_ack == NULL || ops->on_loss == NULL || ops->on_rto == NULL ||
	    ops->on_recovery_end == NULL)
		return -NET_EINVAL;
	if (tcp_cc_find(ns, ops->name))
		return -NET_EADDRINUSE;
	for (i = 0; i < NET_CC_SLOTS; i++) {
		if (ns->ns_cc[i] == NULL) {
			ns->ns_cc[i] = ops;
			return 0;
		}
	}
	return -NET_ENOMEM;
}

const struct tcp_cc_ops *
tcp_cc_find(struct netstack *ns, const char *name)
{
	int i;

	for (i = 0; i < NET_CC_SLOTS; i++)
		if (ns->ns_cc[i] && strcmp(ns->ns_cc[i]->name, name) == 0)
			return ns->ns_cc[i];
	return NULL;
}

/* --- tuning --- */

void
tcp_tune_defaults(struct tcp_tune *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->cc, "cubic", 6);
	t->iw = 10;
	t->sack = 1;
	t->tstamp = 1;
	t->wscale = 1;
	t->delack = 1;
	t->nodelay = 0;
	t->keepalive = 0;
	t->tso = 1;
	t->delack_us = 40000;
	t->rto_min_us = 200000;
	t->rto_max_us = 60000000;
	t->rto_init_us = 1000000;
	t->sndbuf = 256 * 1024;
	t->rcvbuf = 256 * 1024;
	t->mss = 0;
	t->keep_idle_us = 7200u * 1000000u;
	t->keep_intvl_us = 75u * 1000000u;
	t->keep_cnt = 9;
	t->timewait_us = 60u * 1000000u;
	t->user_timeout_us = 0;
	t->rexmt_max = 15;
	t->syn_rexmt_max = 6;
	t->dupthresh = 3;
}

enum tune_kind { TK_BOOL, TK_U32, TK_MS, TK_SEC, TK_STR };

struct tune_key {
	const char *name;
	enum tune_kind kind;
	size_t off;
	uint32_t min, max;	/* in the unit of the text */
};

#define TOFF(f) __builtin_offsetof(struct tcp_tune, f)
static const struct tune_key tune_table[] = {
	{ "cc",			TK_STR,  TOFF(cc),		0, 0 },
	{ "iw",			TK_U32,  TOFF(iw),		1, 100 },
	{ "sack",		TK_BOOL, TOFF(sack),		0, 1 },
	{ "tstamp",		TK_BOOL, TOFF(tstamp),		0, 1 },
	{ "wscale",		TK_BOOL, TOFF(wscale),		0, 1 },
	{ "delack",		TK_BOOL, TOFF(delack),		0, 1 },
	{ "nodelay",		TK_BOOL, TOFF(nodelay),		0, 1 },
	{ "keepalive",		TK_BOOL, TOFF(keepalive),	0, 1 },
	{ "tso",		TK_BOOL, TOFF(tso),		0, 1 },
	{ "delack_ms",		TK_MS,   TOFF(delack_us),	1, 500 },
	{ "rto_min_ms",		TK_MS,   TOFF(rto_min_us),	1, 60000 },
	{ "rto_max_ms",		TK_MS,   TOFF(rto_max_us),	100, 600000 },
	{ "rto_init_ms",	TK_MS,   TOFF(rto_init_us),	1, 60000 },
	{ "sndbuf",		TK_U32,  TOFF(sndbuf),		2048, 64u << 20 },
	{ "rcvbuf",		TK_U32,  TOFF(rcvbuf),		2048, 64u << 20 },
	{ "mss",		TK_U32,  TOFF(mss),		0, 9000 },
	{ "keep_idle_s",	TK_SEC,  TOFF(keep_idle_us),	1, 4000 },
	{ "keep_intvl_s",	TK_SEC,  TOFF(keep_intvl_us),	1, 4000 },
	{ "keep_cnt",		TK_U32,  TOFF(keep_cnt),	1, 100 },
	{ "timewait_ms",	TK_MS,   TOFF(timewait_us),	0, 240000 },
	{ "user_timeout_ms",	TK_MS,   TOFF(user_timeout_us),	0, 4000000 },
	{ "rexmt_max",		TK_U32,  TOFF(rexmt_max),	1, 30 },
	{ "syn_rexmt_max",	TK_U32,  TOFF(syn_rexmt_max),	1, 30 },
	{ "dupthresh",		TK_U32,  TOFF(dupthresh),	1, 100 },
};
#define NTUNE (sizeof(tune_table) / sizeof(tune_table[0]))

const char *const tcp_tune_keys[] = {
	"cc", "iw", "sack", "tstamp", "wscale", "delack", "nodelay", "keepalive",
	"tso", 	"delack_ms", "rto_min_ms", "rto_max_ms", "rto_init_ms", "sndbuf",
	"rcvbuf", "mss", "keep_idle_s", "keep_intvl_s", "keep_cnt",
	"timewait_ms", "user_timeout_ms", "rexmt_max", "syn_rexmt_max",
	"dupthresh", NULL,
};

static int
parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -NET_EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -NET_EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > 0xffffffffu)
			return -NET_EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

int
tcp_tune_set(struct tcp_tune *t, const char *key, const char *val)
{
	const struct tune_key *k = NULL;
	uint8_t *field;
	uint32_t v;
	size_t i;

	for (i = 0; i < NTUNE; i++)
		if (strcmp(tune_table[i].name, key) == 0)
			k = &tune_table[i];
	if (k == NULL)
		return -NET_ENOENT;
	field = (uint8_t *)t + k->off;
	if (k->kind == TK_STR) {
		if (strlen(val) == 0 || strlen(val) >= sizeof(t->cc))
			return -NET_EINVAL;
		memset(field, 0, sizeof(t->cc));
		memcpy(field, val, strlen(val));
		return 0;
	}
	if (parse_u32(val, &v) < 0 || v < k->min || v > k->max)
		return -NET_EINVAL;
	if (k->kind == TK_BOOL)
		*field = (uint8_t)v;
	else if (k->kind == TK_MS)
		v *= 1000;
	else if (k->kind == TK_SEC)
		v *= 1000000;
	if (k->kind != TK_BOOL)
		memcpy(field, &v, sizeof(v));
	return 0;
}

/* One "key=value" word of net_configure. */
static int
configure_word(struct netstack *ns, const char *key, const char *val)
{
	uint32_t a, len;
	char *slash;
	char buf[32];

	if (strcmp(key, "ip") == 0) {
		if (strlen(val) >= sizeof(buf))
			return -NET_EINVAL;
		memcpy(buf, val, strlen(val) + 1);
		slash = NULL;
		for (char *p = buf; *p; p++)
			if (*p == '/')
				slash = p;
		if (slash) {
			*slash = '\0';
			if (parse_u32(slash + 1, &len) < 0 || len < 1 || len > 32)
				return -NET_EINVAL;
			ns->ns_if.netmask = len == 32 ? IP_BROADCAST : ~(IP_BROADCAST >> len);
		}
		if (net_aton(buf, &a) < 0)
			return -NET_EINVAL;
		if (ns->ns_if.netmask == 0)
			ns->ns_if.netmask = 0xffffff00u;
		net_set_addr(ns, a, ns->ns_if.netmask, ns->ns_if.gateway);
		return 0;
	}
	if (strcmp(key, "mask") == 0)
		return net_aton(val, &ns->ns_if.netmask);
	if (strcmp(key, "gw") == 0)
		return net_aton(val, &ns->ns_if.gateway);
	if (strcmp(key, "mtu") == 0) {
		if (parse_u32(val, &a) < 0 || a < 576 || a > NET_FRAME_MAX - ETH_HLEN)
			return -NET_EINVAL;
		ns->ns_mtu = (uint16_t)a;
		return 0;
	}
	if (strcmp(key, "dhcp") == 0)
		return strcmp(val, "1") == 0 ? net_dhcp_start(ns) : 0;
	if (strcmp(key, "cc") == 0 && tcp_cc_find(ns, val) == NULL)
		return -NET_ENOENT;
	return tcp_tune_set(&ns->ns_tune, key, val);
}

static int
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

int
net_configure(struct netstack *ns, const char *text, const char **bad)
{
	char key[32], val[64];
	const char *w, *eq;
	size_t kl, vl;
	int r;

	while (*text) {
		if (is_sep(*text)) {
			text++;
			continue;
		}
		if (*text == '#') {
			while (*text && *text != '\n')
				text++;
			continue;
		}
		w = text;
		while (*text && !is_sep(*text))
			text++;
		for (eq = w; eq < text && *eq != '='; eq++)
			;
		kl = (size_t)(eq - w);
		vl = eq < text ? (size_t)(text - eq - 1) : 0;
		r = -NET_EINVAL;
		if (eq < text && kl > 0 && kl < sizeof(key) && vl < sizeof(val)) {
			memcpy(key, w, kl);
			key[kl] = '\0';
			memcpy(val, eq + 1, vl);
			val[vl] = '\0';
			r = configure_word(ns, key, val);
		}
		if (r < 0) {
			if (bad)
				*bad = w;
			return r;
		}
	}
	return 0;
}
