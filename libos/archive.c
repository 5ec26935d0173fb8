/*
 * The boot archive (kern/abi/archive.h), exported read-only at UARCHIVE:
 * the programs spawn can start before any file system exists.
 */
#include "libos.h"

/* The archive's header after checking it and its entry table against
 * the exported size; NULL when there is none or it is malformed. */
static const struct archive_header *
archive_header(void)
{
	const struct archive_header *h = (const void *)UARCHIVE;
	uint64_t size = UCLOCK_PAGE->archive_size;

	if (size < sizeof(*h) || h->magic != ARCHIVE_MAGIC || h->size > size)
		return NULL;
	if (h->count > (size - sizeof(*h)) / sizeof(struct archive_entry))
		return NULL;
	return h;
}

/* The file called name in the boot archive and its size in *size (if
 * size); NULL when there is no such file, or its entry is malformed. */
const void *
archive_find(const char *name, size_t *size)
{
	const struct archive_header *h = archive_header();
	const struct archive_entry *e;
	uint64_t i;

	if (h == NULL)
		return NULL;
	e = (const struct archive_entry *)(h + 1);
	for (i = 0; i < h->count; i++, e++) {
		if (strncmp(e->name, name, ARCHIVE_NAME_MAX) != 0 ||
		    e->name[ARCHIVE_NAME_MAX - 1] != '\0')
			continue;
		if (e->offset > h->size || e->size > h->size - e->offset)
			return NULL;
		if (size != NULL)
			*size = e->size;
		return (const uint8_t *)h + e->offset;
	}
	return NULL;
}
