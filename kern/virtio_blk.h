/*
 * virtio-blk disks over modern virtio 1.x PCI (kern/virtio_blk.c).
 */
#ifndef CHITIN_KERN_VIRTIO_BLK_H
#define CHITIN_KERN_VIRTIO_BLK_H
#include "kernel.h"

void virtio_blk_init(void);	/* after pci_init: find devices, register them */

#endif
