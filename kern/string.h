/* The few string functions the kernel uses (kern/string.c). */
#ifndef CHITIN_KERN_STRING_H
#define CHITIN_KERN_STRING_H
#include "kernel.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t n);
long strtol(const char *s, const char **end, int base);
unsigned long strtoul(const char *s, const char **end, int base);

#endif
