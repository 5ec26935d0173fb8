/*
 * sendpage: a page travels by IPC. The parent writes a string in a page
 * and sends it; the child finds it mapped where it asked, with the
 * permissions sent, answers in the same page and sends it back. Both
 * sides then see the answer: it is one physical page.
 */
#include "testutil.h"

#define PAGE_A	0x10000000UL	/* the parent's page */
#define PAGE_B	0x20000000UL	/* where the child receives it */
#define PAGE_C	0x30000000UL	/* where the parent receives it back */

static const char question[] = "hello, child: this page is yours too";
static const char answer[] = "hello, parent: i wrote this in our page";

static int
child_side(void)
{
	envid_t from;
	uint64_t perm;

	ipc_recv(&from, (void *)PAGE_B, &perm);
	cprintf("sendpage: child got '%s' (perm 0x%lx)\n", (const char *)PAGE_B, perm);
	if (strcmp((const char *)PAGE_B, question) != 0 || !(perm & PERM_W)) {
		cprintf("sendpage: FAIL, child got the wrong page\n");
		return 1;
	}
	strcpy((char *)PAGE_B, answer);
	ipc_send(from, 1, (void *)PAGE_B, PERM_P | PERM_W);
	return 0;
}

int
main(int argc, char **argv)
{
	envid_t child;
	uint64_t perm;
	int status;
	int64_t r;

	if ((child = fork()) < 0)
		panic("fork: %s", errstr(child));
	if (child == 0)
		return child_side();
	r = sys_page_alloc(0, PAGE_A, PERM_P | PERM_W | PERM_NX, PPN_ANY);
	if (r < 0)
		panic("sys_page_alloc: %s", errstr(r));
	strcpy((char *)PAGE_A, question);
	ipc_send(child, 0, (void *)PAGE_A, PERM_P | PERM_W);
	ipc_recv(NULL, (void *)PAGE_C, &perm);
	cprintf("sendpage: parent got '%s' back\n", (const char *)PAGE_C);
	if (strcmp((const char *)PAGE_C, answer) != 0 ||
	    strcmp((const char *)PAGE_A, answer) != 0 ||
	    pte_ppn(uvpt_pte(PAGE_A)) != pte_ppn(uvpt_pte(PAGE_C))) {
		cprintf("sendpage: FAIL, the page that came back is not the one sent\n");
		return 1;
	}
	if (wait(child, &status) != child || status != 0) {
		cprintf("sendpage: FAIL, child exited with status %d\n", status);
		return 1;
	}
	cprintf("sendpage: ok, one page shared both ways by IPC\n");
	return tu_audit("sendpage");
}
