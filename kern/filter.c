/*
 * The merged decision tree of packet filters.
 *
 * A filter is a conjunction of atoms (offset, width, mask, value); in its
 * canonical form the atoms are sorted by offset. All filters of a NIC are
 * merged into a trie: a node lists the distinct field tests (offset,
 * width, mask) that the filters passing through it make next, and each
 * test leads, through a hash table keyed by (test, value), to the child
 * node for that value. A filter ends at the node its last atom leads to.
 * Filters with the same fields (a thousand UDP ports on one address)
 * share every test, so a frame costs one hash probe per field, however
 * many filters there are; only filters with different field sets add
 * alternatives to try.
 *
 * Exclusive filters (claims) never overlap, so a frame reaches at most
 * one of them; shared filters (subscriptions) may overlap anything and
 * each match gets its copy. Overlap of two conjunctions is decided
 * exactly, byte by byte: they are disjoint iff some byte has a mask bit
 * in both with different values.
 *
 * A new filter is merged into the tree; a removal rebuilds the tree from
 * the filter table (both are rare, classifying is the fast path), which
 * also gives back the nodes of removed filters. Everything here runs
 * under kern/nic.c's nic_lock (the slots, the pools, the roots and the
 * export), except filter_audit.
 */
#include "filter.h"
#include "string.h"
#include "assert.h"
#include "audit.h"
#include "abi/error.h"

#define FT_NODES	(NIC_FILTERS_MAX * NIC_FILTER_ATOMS + NIC_MAX)
#define FT_TESTS	(NIC_FILTERS_MAX * NIC_FILTER_ATOMS)
#define FT_HASH		(2 * FT_TESTS)	/* edges <= FT_TESTS: load <= 1/2 */
#define FT_DEPTH_MAX	(NIC_FILTER_ATOMS + 1)

struct ft_node {
	int32_t tests;			/* first field test from here, -1 none */
	int32_t leaves;			/* first filter ending here, -1 none */
	int32_t sibling;		/* the next child of its parent test */
};

struct ft_test {
	uint16_t off;
	uint8_t width;
	uint32_t mask;
	int32_t next;			/* the next alternative at its node */
	int32_t children;		/* its first child node */
};

struct ft_edge {
	uint32_t gen;			/* valid iff edge_gen: a rebuild empties all */
	int32_t test;
	uint32_t value;
	int32_t child;
};

struct filter_slot {
	bool used;
	int nic;
	int chan;
	int32_t leaf_next;		/* the next filter ending at its node */
	struct nic_filter f;		/* canonical */
};

static struct filter_slot slots[NIC_FILTERS_MAX];
static struct nic_filter_export *fex;	/* the exported copy */

static struct ft_node nodes[FT_NODES];
static struct ft_test tests[FT_TESTS];
static struct ft_edge edges[FT_HASH];
static int nnodes, ntests;
static uint32_t edge_gen;
static int32_t roots[NIC_MAX];

/* At boot: ex is the exported filter table (NIC_FILTERS_MAX entries). */
void
filter_init(struct nic_filter_export *ex)
{
	fex = ex;
	for (int i = 0; i < NIC_FILTERS_MAX; i++)
		fex[i].chan = -1;
	for (int i = 0; i < NIC_MAX; i++)
		roots[i] = -1;
	edge_gen = 1;		/* the zeroed table holds no edge */
}

/* --- checking and overlap --- */

static bool
atom_ok(const struct nic_atom *a)
{
	if (a->width != 1 && a->width != 2 && a->width != 4)
		return false;
	if (a->off + a->width > NIC_FRAME_MAX || a->mask == 0)
		return false;
	if (a->width < 4 && (a->mask >> (8 * a->width)))
		return false;
	return (a->value & ~a->mask) == 0;
}

/*
 * Checks *in (a copy of user memory) and writes its canonical form to
 * *out: atoms sorted by offset, padding zeroed. -E_INVAL for a bad atom
 * count, width, offset, mask, value or flag, or two atoms on one byte.
 */
int
filter_check(const struct nic_filter *in, struct nic_filter *out)
{
	int n = in->natoms;

	if (n < 1 || n > NIC_FILTER_ATOMS || (in->flags & ~NIC_FILTER_SHARED))
		return -E_INVAL;
	memset(out, 0, sizeof(*out));
	out->natoms = n;
	out->flags = in->flags;
	for (int i = 0; i < n; i++) {
		struct nic_atom a = in->atom[i];
		int j;
		if (!atom_ok(&a))
			return -E_INVAL;
		a.pad = 0;
		for (j = i; j > 0 && out->atom[j - 1].off > a.off; j--)
			out->atom[j] = out->atom[j - 1];
		out->atom[j] = a;
	}
	for (int i = 1; i < n; i++)
		if (out->atom[i - 1].off + out->atom[i - 1].width > out->atom[i].off)
			return -E_INVAL;
	return 0;
}

/* Atoms a and b (sorted) constrain some common byte differently. */
static bool
atoms_clash(const struct nic_atom *a, const struct nic_atom *b)
{
	for (int i = 0; i < a->width; i++) {
		int off = a->off + i, j = off - b->off;
		if (j < 0 || j >= b->width)
			continue;
		int sa = 8 * (a->width - 1 - i), sb = 8 * (b->width - 1 - j);
		uint8_t ma = a->mask >> sa, mb = b->mask >> sb;
		uint8_t va = a->value >> sa, vb = b->value >> sb;
		if ((ma & mb) & (va ^ vb))
			return true;
	}
	return false;
}

/* Some frame satisfies both f and g. */
static bool
filters_overlap(const struct nic_filter *f, const struct nic_filter *g)
{
	for (int i = 0; i < f->natoms; i++)
		for (int j = 0; j < g->natoms; j++)
			if (atoms_clash(&f->atom[i], &g->atom[j]))
				return false;
	return true;
}

/* --- the tree --- */

static uint32_t
edge_hash(int32_t test, uint32_t value)
{
	uint64_t k = ((uint64_t)(uint32_t)test << 32 | value) * 0x9e3779b97f4a7c15ULL;

	return (uint32_t)(k >> 40) & (FT_HASH - 1);
}

static int32_t
edge_find(int32_t test, uint32_t value)
{
	for (uint32_t h = edge_hash(test, value);; h = (h + 1) & (FT_HASH - 1)) {
		const struct ft_edge *e = &edges[h];
		if (e->gen != edge_gen)
			return -1;
		if (e->test == test && e->value == value)
			return e->child;
	}
}

static void
edge_add(int32_t test, uint32_t value, int32_t child)
{
	uint32_t h = edge_hash(test, value);

	while (edges[h].gen == edge_gen)
		h = (h + 1) & (FT_HASH - 1);
	edges[h] = (struct ft_edge){ edge_gen, test, value, child };
}

static int32_t
node_new(void)
{
	assert(nnodes < FT_NODES);
	nodes[nnodes] = (struct ft_node){ -1, -1, -1 };
	return nnodes++;
}

/* The test for atom a at node, added if the node has none like it. */
static int32_t
node_test(int32_t node, const struct nic_atom *a)
{
	int32_t t;

	for (t = nodes[node].tests; t >= 0; t = tests[t].next)
		if (tests[t].off == a->off && tests[t].width == a->width &&
		    tests[t].mask == a->mask)
			return t;
	assert(ntests < FT_TESTS);
	t = ntests++;
	tests[t] = (struct ft_test){ a->off, a->width, a->mask, nodes[node].tests, -1 };
	nodes[node].tests = t;
	return t;
}

static void
tree_insert(int id)
{
	struct filter_slot *s = &slots[id];
	int32_t node;

	if (roots[s->nic] < 0)
		roots[s->nic] = node_new();
	node = roots[s->nic];
	for (int i = 0; i < s->f.natoms; i++) {
		const struct nic_atom *a = &s->f.atom[i];
		int32_t t = node_test(node, a), child = edge_find(t, a->value);
		if (child < 0) {
			child = node_new();
			edge_add(t, a->value, child);
			nodes[child].sibling = tests[t].children;
			tests[t].children = child;
		}
		node = child;
	}
	s->leaf_next = nodes[node].leaves;
	nodes[node].leaves = id;
}

/* Every filter merged afresh: at most NIC_FILTER_ATOMS nodes, tests and
 * edges per filter, so the pools never run out. */
static void
tree_rebuild(void)
{
	nnodes = ntests = 0;
	for (int i = 0; i < NIC_MAX; i++)
		roots[i] = -1;
	if (++edge_gen == 0) {		/* wrapped: really empty it */
		memset(edges, 0, sizeof(edges));
		edge_gen = 1;
	}
	for (int i = 0; i < NIC_FILTERS_MAX; i++)
		if (slots[i].used)
			tree_insert(i);
}

/* Installs checked filter f (see filter_check; the caller ran
 * filter_conflict) for chan on nic: its id, or -E_QUOTA if the table is
 * full. */
int
filter_install(int nic, int chan, const struct nic_filter *f)
{
	for (int i = 0; i < NIC_FILTERS_MAX; i++) {
		struct filter_slot *s = &slots[i];
		if (s->used)
			continue;
		*s = (struct filter_slot){ true, nic, chan, -1, *f };
		fex[i].chan = chan;
		fex[i].flags = f->flags;
		fex[i].natoms = f->natoms;
		fex[i].hits = 0;
		memcpy(fex[i].atom, f->atom, sizeof(fex[i].atom));
		tree_insert(i);		/* the pools hold every filter's nodes */
		return i;
	}
	return -E_QUOTA;
}

/* Removes installed filter id (the tree is rebuilt). */
void
filter_remove(int id)
{
	assert(id >= 0 && id < NIC_FILTERS_MAX && slots[id].used);
	slots[id].used = false;
	memset(&fex[id], 0, sizeof(fex[id]));
	fex[id].chan = -1;
	tree_rebuild();
}

/* Removes every filter of chan (one rebuild); how many there were. */
int
filter_remove_chan(int chan)
{
	int n = 0;

	for (int i = 0; i < NIC_FILTERS_MAX; i++)
		if (slots[i].used && slots[i].chan == chan) {
			slots[i].used = false;
			memset(&fex[i], 0, sizeof(fex[i]));
			fex[i].chan = -1;
			n++;
		}
	if (n)
		tree_rebuild();
	return n;
}

int
filter_chan(int id)
{
	if (id < 0 || id >= NIC_FILTERS_MAX || !slots[id].used)
		return -1;
	return slots[id].chan;
}

/* The NIC of installed filter id, -1 if the slot is free. */
int
filter_nic(int id)
{
	if (id < 0 || id >= NIC_FILTERS_MAX || !slots[id].used)
		return -1;
	return slots[id].nic;
}

bool
filter_shared(int id)
{
	return slots[id].f.flags & NIC_FILTER_SHARED;
}

void
filter_hit(int id)
{
	fex[id].hits++;
}

/* --- conflicts --- */

static const struct nic_atom *
atom_for(const struct nic_filter *f, const struct ft_test *t)
{
	for (int i = 0; i < f->natoms; i++)
		if (f->atom[i].off == t->off && f->atom[i].width == t->width &&
		    f->atom[i].mask == t->mask)
			return &f->atom[i];
	return NULL;
}

/*
 * An exclusive filter under node that overlaps f, or -1. Every filter
 * under the edge (t, v) has t's field equal to v: where f has the same
 * field with another value they all clash with f, so only f's own value
 * is followed; where f has no such field, every child must be looked at.
 */
static int
conflict_walk(int32_t node, const struct nic_filter *f, int depth)
{
	for (int32_t g = nodes[node].leaves; g >= 0; g = slots[g].leaf_next)
		if (!(slots[g].f.flags & NIC_FILTER_SHARED) && filters_overlap(f, &slots[g].f))
			return g;
	if (depth >= FT_DEPTH_MAX)
		return -1;
	for (int32_t t = nodes[node].tests; t >= 0; t = tests[t].next) {
		const struct nic_atom *a = atom_for(f, &tests[t]);
		int r = -1;
		if (a) {
			int32_t child = edge_find(t, a->value);
			if (child >= 0)
				r = conflict_walk(child, f, depth + 1);
		} else {
			for (int32_t c = tests[t].children; c >= 0 && r < 0; c = nodes[c].sibling)
				r = conflict_walk(c, f, depth + 1);
		}
		if (r >= 0)
			return r;
	}
	return -1;
}

/* An installed claim on nic that overlaps claim f (a checked filter), or
 * -1; a shared f overlaps nothing that matters. */
int
filter_conflict(int nic, const struct nic_filter *f)
{
	if ((f->flags & NIC_FILTER_SHARED) || nic < 0 || nic >= NIC_MAX || roots[nic] < 0)
		return -1;
	return conflict_walk(roots[nic], f, 0);
}

/* --- classification --- */

struct classify {
	const uint8_t *frame;
	size_t len;
	int *ids;
	int max, n;
	uint64_t steps;
};

static uint32_t
load_be(const uint8_t *p, int width)
{
	uint32_t v = 0;

	for (int i = 0; i < width; i++)
		v = v << 8 | p[i];
	return v;
}

static void
visit(struct classify *c, int32_t node, int depth)
{
	for (int32_t f = nodes[node].leaves; f >= 0; f = slots[f].leaf_next)
		if (c->n < c->max)
			c->ids[c->n++] = f;
	if (depth >= FT_DEPTH_MAX)
		return;
	for (int32_t t = nodes[node].tests; t >= 0; t = tests[t].next) {
		const struct ft_test *ft = &tests[t];
		c->steps++;
		if ((size_t)ft->off + ft->width > c->len)
			continue;
		int32_t child = edge_find(t, load_be(c->frame + ft->off, ft->width) & ft->mask);
		if (child >= 0)
			visit(c, child, depth + 1);
	}
}

/* See filter.h: the filters on nic matching frame, never reading past
 * len (a test whose bytes lie beyond the frame fails). */
int
filter_classify(int nic, const uint8_t *frame, size_t len, int *ids, int max,
		uint64_t *steps)
{
	struct classify c = { frame, len, ids, max, 0, 0 };

	if (nic >= 0 && nic < NIC_MAX && roots[nic] >= 0)
		visit(&c, roots[nic], 0);
	*steps = c.steps;
	return c.n;
}

/* --- identities --- */

static const struct nic_atom *
atom_at(const struct nic_filter *f, int off, int width, uint32_t mask)
{
	for (int i = 0; i < f->natoms; i++)
		if (f->atom[i].off == off && f->atom[i].width == width &&
		    f->atom[i].mask == mask)
			return &f->atom[i];
	return NULL;
}

/*
 * What an exclusive filter claims, read from its atoms at the standard
 * offsets of an untagged IPv4 frame with a 20-byte header: ethertype
 * (12), protocol (23), destination address (30), destination port (36).
 * False for a free slot, a shared filter, or one that names no IPv4
 * destination address.
 */
bool
filter_ident(int id, struct filter_ident *out)
{
	const struct nic_filter *f;
	const struct nic_atom *a;

	if (id < 0 || id >= NIC_FILTERS_MAX || !slots[id].used)
		return false;
	f = &slots[id].f;
	if (f->flags & NIC_FILTER_SHARED)
		return false;
	a = atom_at(f, 12, 2, 0xffff);
	if (!a || a->value != 0x0800 || !(a = atom_at(f, 30, 4, 0xffffffff)))
		return false;
	out->has_ip = true;
	out->ip = a->value;
	a = atom_at(f, 23, 1, 0xff);
	out->proto = a ? (int)a->value : -1;
	a = atom_at(f, 36, 2, 0xffff);
	out->port = a && out->proto >= 0 ? (int)a->value : -1;
	return true;
}

/* --- the audit (kern/audit.h) --- */

/* The node the atoms of filter s lead to in its NIC's tree, or -1. */
static int32_t
audit_leaf_node(const struct filter_slot *s)
{
	int32_t node = roots[s->nic];

	for (int i = 0; i < s->f.natoms && node >= 0; i++) {
		const struct nic_atom *a = &s->f.atom[i];
		int32_t t;
		for (t = nodes[node].tests; t >= 0; t = tests[t].next)
			if (tests[t].off == a->off && tests[t].width == a->width &&
			    tests[t].mask == a->mask)
				break;
		node = t >= 0 ? edge_find(t, a->value) : -1;
	}
	return node;
}

/* Does the leaf list of node hold id? (At most NIC_FILTERS_MAX steps.) */
static bool
audit_leaf_has(int32_t node, int id)
{
	int32_t f = nodes[node].leaves;

	for (int k = 0; f >= 0 && f < NIC_FILTERS_MAX && k < NIC_FILTERS_MAX;
	     k++, f = slots[f].leaf_next)
		if (f == id)
			return true;
	return false;
}

/* Installed filter id: sane fields, canonical, exported as it is, and
 * found in its NIC's tree where its atoms lead. */
static int
audit_slot(int id)
{
	const struct filter_slot *s = &slots[id];
	struct nic_filter canon;
	int32_t node;

	if (s->nic < 0 || s->nic >= NIC_MAX || s->chan < 0 || s->chan >= NIC_CHAN_MAX)
		return audit_report("filter %d: nic %d channel %d out of range", id, s->nic,
				    s->chan);
	if (filter_check(&s->f, &canon) < 0 || memcmp(&canon, &s->f, sizeof(canon)))
		return audit_report("filter %d: not a checked, canonical filter", id);
	if (fex[id].chan != s->chan || fex[id].flags != s->f.flags ||
	    fex[id].natoms != s->f.natoms ||
	    memcmp(fex[id].atom, s->f.atom, sizeof(fex[id].atom)))
		return audit_report("filter %d: its export differs from it", id);
	node = audit_leaf_node(s);
	if (node < 0 || !audit_leaf_has(node, id))
		return audit_report("filter %d: not where its atoms lead in nic%d's tree",
				    id, s->nic);
	return 0;
}

/*
 * The filter table and the merged trees: each installed filter is sane,
 * exported as it is and reachable in its NIC's tree; a free slot is
 * exported free; the trees hold no other leaves. (Which channel a filter
 * belongs to is checked by nic_audit.) Returns the problems found. Reads
 * without nic_lock: every other CPU is parked outside any lock.
 */
int
filter_audit(void)
{
	int n = 0, used = 0, leaves = 0;

	if (nnodes > FT_NODES || ntests > FT_TESTS)
		return audit_report("filter: %d nodes, %d tests: beyond the pools", nnodes, ntests);
	for (int id = 0; id < NIC_FILTERS_MAX; id++) {
		if (!slots[id].used) {
			if (fex[id].chan != -1)
				n += audit_report("filter %d: free but exported on channel %d",
						  id, fex[id].chan);
			continue;
		}
		used++;
		n += audit_slot(id);
	}
	for (int32_t node = 0; node < nnodes; node++)
		for (int32_t f = nodes[node].leaves;
		     f >= 0 && f < NIC_FILTERS_MAX && leaves <= used;
		     f = slots[f].leaf_next)
			leaves++;
	if (leaves != used)
		n += audit_report("filter: %d filters installed, %s%d leaves in the trees", used,
				  leaves > used ? "more than " : "", leaves);
	return n;
}
