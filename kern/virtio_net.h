/* The virtio-net driver (virtio 1.x, PCI transport, modern interface
 * only): finds the devices, gives them to the NIC layer (kern/nic.h). */
#ifndef CHITIN_KERN_VIRTIO_NET_H
#define CHITIN_KERN_VIRTIO_NET_H
#include "kernel.h"

void virtio_net_init(void);	/* after pci_init and nic_init */

#endif
