/* The page-accounting audit: checks the kernel's bookkeeping of physical
 * pages against the page tables that exist. */
#ifndef CHITIN_KERN_AUDIT_H
#define CHITIN_KERN_AUDIT_H
#include "kernel.h"

/* Returns 0 when consistent, else the number of problems (each printed
 * when verbose). Runs under the big kernel lock. */
int audit_pages(bool verbose);
void audit_init(void);		/* at boot, after pmap_init */

#endif
