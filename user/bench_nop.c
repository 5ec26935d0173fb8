/*
 * bench_nop: does nothing and exits 0. bench spawns it to time
 * spawn + exit + wait with the smallest program the library can load.
 */
#include <chitin.h>

int
main(int argc, char **argv)
{
	return 0;
}
