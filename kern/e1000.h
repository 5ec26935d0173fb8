/* The Intel 8254x (e1000) driver: finds the devices, gives them to the
 * NIC layer (kern/nic.h). */
#ifndef CHITIN_KERN_E1000_H
#define CHITIN_KERN_E1000_H
#include "kernel.h"

void e1000_init(void);		/* after pci_init and nic_init */

#endif
