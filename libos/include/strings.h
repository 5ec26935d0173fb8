/* BSD's strings.h: the case-insensitive comparisons live in string.h. */
#include <string.h>
