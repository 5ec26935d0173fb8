/*
 * netstat: the NICs, their open channels (owner, counters) and the
 * filters each channel installed, read from the read-only export at
 * UNICS without a system call.
 *
 *   netstat        everything
 *   netstat -n     NICs only
 */
#include <nic.h>

static const char *const txerr_names[NIC_TXERR_NREASONS] = {
	[NIC_TXERR_LEN] = "len", [NIC_TXERR_ADDR] = "addr",
	[NIC_TXERR_PAGE] = "page", [NIC_TXERR_SPOOF] = "spoof",
	[NIC_TXERR_OFFLOAD] = "offload",
};

static void
show_nic(int i, const volatile struct nic_export *n)
{
	const volatile uint8_t *m = n->mac;

	cprintf("nic%d %s %02x:%02x:%02x:%02x:%02x:%02x link %s irq %u: %u channels, %u filters",
		i, (const char *)n->model, m[0], m[1], m[2], m[3], m[4], m[5],
		n->link_up ? "up" : "down", n->irq, n->nchan, n->nfilters);
	if (n->default_chan >= 0)
		cprintf(", default channel %d", n->default_chan);
	cprintf("\n  rx %lu frames %lu bytes, tx %lu frames %lu bytes, %lu interrupts\n",
		n->rx_frames, n->rx_bytes, n->tx_frames, n->tx_bytes, n->irqs);
	cprintf("  dropped: %lu unclaimed, %lu malformed, %lu missed by the device; "
		"tx ring full %lu times; %lu overlapping claims refused\n", n->rx_unclaimed,
		n->rx_malformed, n->rx_missed, n->tx_full, n->claims_refused);
	if (n->offloads)
		cprintf("  offloads:%s%s; %lu frames checksummed by the NIC, %lu of them TSO\n",
			n->offloads & NIC_OFFLOAD_CSUM ? " csum" : "",
			n->offloads & NIC_OFFLOAD_TSO4 ? " tso4" : "", n->tx_csum, n->tx_tso);
	if (n->demux_frames)
		cprintf("  demux: %lu frames, %lu cycles and %lu.%02lu tests a frame\n",
			n->demux_frames, n->demux_cycles / n->demux_frames,
			n->demux_steps / n->demux_frames,
			n->demux_steps * 100 / n->demux_frames % 100);
}

static void
show_atom(const volatile struct nic_atom *a)
{
	cprintf(" [%u:%u]", a->off, a->width);
	if (a->mask != (a->width == 4 ? 0xffffffffu : (1u << (8 * a->width)) - 1))
		cprintf("&%x", a->mask);
	cprintf("=%x", a->value);
}

static void
show_chan(int i, const volatile struct nic_chan_export *c)
{
	const volatile struct env_export *e = env_lookup(c->owner);

	cprintf("chan %d nic%u owner [%08x] %s%s%s: %u filters, %u rx pages held%s\n",
		i, c->nic, c->owner, e->id == c->owner ? (const char *)e->name : "?",
		c->flags & NIC_CHAN_DEFAULT ? " default" : "",
		c->flags & NIC_CHAN_FLIP ? " flip" : "", c->nfilters, c->rx_bufs,
		c->waiting ? ", waiting" : "");
	cprintf("  rx %lu frames %lu bytes (%lu flipped); dropped %lu ring full, %lu no page;"
		" %lu pages refused\n", c->rx_frames, c->rx_bytes, c->rx_flipped,
		c->rx_ring_full, c->rx_no_buf, c->buf_rejected);
	cprintf("  tx %lu frames %lu bytes, %u in flight; rejected:", c->tx_frames,
		c->tx_bytes, c->tx_inflight);
	for (int r = 0; r < NIC_TXERR_NREASONS; r++)
		cprintf(" %s %lu", txerr_names[r], c->tx_rejected[r]);
	cprintf("\n");
	for (int f = 0; f < NIC_FILTERS_MAX; f++) {
		const volatile struct nic_filter_export *fx = &UNIC_EXPORTS->filter[f];
		if (fx->chan != i)
			continue;
		cprintf("  filter %d%s:", f, fx->flags & NIC_FILTER_SHARED ? " shared" : "");
		for (int k = 0; k < fx->natoms && k < NIC_FILTER_ATOMS; k++)
			show_atom(&fx->atom[k]);
		cprintf(" (%lu hits)\n", fx->hits);
	}
}

int
main(int argc, char **argv)
{
	const volatile struct nic_exports *x = UNIC_EXPORTS;
	bool nics_only = argc > 1 && strcmp(argv[1], "-n") == 0;

	if (x->nnic == 0)
		cprintf("netstat: no NIC\n");
	for (uint32_t i = 0; i < x->nnic && i < NIC_MAX; i++)
		show_nic(i, &x->nic[i]);
	if (nics_only)
		return 0;
	for (int i = 0; i < NIC_CHAN_MAX; i++)
		if (x->chan[i].owner)
			show_chan(i, &x->chan[i]);
	return 0;
}
