/*
 * hello: the first program a new system runs.
 */
#include <chitin.h>

int
main(int argc, char **argv)
{
	cprintf("hello, world\n");
	cprintf("i am environment %08x\n", thisenv->id);
	return 0;
}
