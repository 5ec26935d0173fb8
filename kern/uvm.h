/*
 * User address spaces: page tables of envs, the pages mapped into them,
 * and safe access to user memory from the kernel. Functions taking an
 * env run under that env's lock (env_lock); page_ex is under
 * page_meta_lock, taken inside.
 */
#ifndef CHITIN_KERN_UVM_H
#define CHITIN_KERN_UVM_H
#include "kernel.h"
#include "pmap.h"

struct env;

int uvm_create(struct env *e);			/* PML4 with kernel half, self-map, exports */
void uvm_destroy(struct env *e);		/* unmap everything, free the tables */
uint64_t *uvm_walk(struct env *e, uintptr_t va, bool create, int *err);
struct page *uvm_lookup(struct env *e, uintptr_t va, uint64_t *pte_out);
int uvm_insert(struct env *e, struct page *pg, uintptr_t va, uint64_t perm);
void uvm_remove(struct env *e, uintptr_t va);
int uvm_check_va(uintptr_t va);			/* page-aligned and below UTOP */
int uvm_check_perm(uint64_t perm);		/* only PERM_USER_OK bits, P set */
struct page *uvm_page_alloc_for(struct env *owner);	/* PAGEK_USER, zeroed */
void uvm_page_decref(struct page *pg);		/* one mapping fewer */
void uvm_adopt_page(struct page *pg, struct env *e);
void uvm_discard_unmapped(struct page *pg);
void uvm_page_disown(struct page *pg);		/* unmapped, unpinned -> kernel's */
/* Pins: bindings that hold a page (NIC rings, disk DMA, the registry).
 * These, and every other page_ex change, hold page_meta_lock inside. */
bool uvm_page_pin(struct page *pg, unsigned max);	/* false at max pins */
void uvm_page_unpin(struct page *pg);		/* freed if the last use */
void uvm_page_unpin_disown(struct page *pg);	/* last pin of an unmapped page -> kernel's */
bool uvm_page_register(struct page *pg, unsigned max);	/* the registry's pin + mark */
void uvm_page_unregister(struct page *pg);	/* ... dropped; freed if the last use */
void uvm_set_perm(struct env *e, uintptr_t va, uint64_t perm);

/* Copies between kernel memory and an env's user memory, checking that
 * every byte is mapped user-accessible (and writable for copy_to_user)
 * below UTOP. Return 0 or -E_FAULT; never fault. */
int copy_from_user(struct env *e, void *dst, uintptr_t src, size_t len);
int copy_to_user(struct env *e, uintptr_t dst, const void *src, size_t len);
int uvm_check_user(struct env *e, uintptr_t va, size_t len, bool write);
int copy_str_from_user(struct env *e, char *dst, uintptr_t src, size_t max);

/* Calls fn on every present leaf PTE of e's own memory (below UTOP),
 * in address order, until fn returns false. */
void uvm_for_each_pte(struct env *e, bool (*fn)(uintptr_t va, uint64_t *pte, void *arg), void *arg);

void tlb_invalidate(struct env *e, uintptr_t va);
void tlb_flush_env(struct env *e);		/* every translation of e, on every CPU */
void tlb_shootdown_init(void);
void tlb_poll(void);			/* serve shootdowns asked of this CPU */
void uvm_load(struct env *e);			/* switch this CPU to e's space */
void uvm_load_kernel(void);			/* ... or to the kernel's */

#endif
