/*
 * thrcons: a thread waiting for console input blocks only itself. One
 * thread calls cgetchar (the raw console); the main thread keeps running
 * meanwhile (it yields, counts, and says so on the console, which is the
 * grader's cue to type), then joins the reader, which prints what it got.
 *
 *   thrcons   (then type a character)
 */
#include <chitin.h>
#include <thread.h>

static volatile uint64_t main_rounds;

static void *
reader(void *arg)
{
	int c = cgetchar();

	return (void *)(intptr_t)c;
}

int
main(int argc, char **argv)
{
	struct thread *t;
	void *rv;
	int r, c;

	if ((r = thread_create(&t, reader, NULL)) < 0)
		panic("thread_create: %s", errstr(r));
	while (t->state != THREAD_BLOCKED || main_rounds < 100) {
		thread_yield();
		main_rounds++;
	}
	cprintf("thrcons: main thread ran %lu rounds while the reader waits; type a key\n",
		main_rounds);
	thread_join(t, &rv);
	c = (int)(intptr_t)rv;
	if (c < 0) {
		cprintf("thrcons: FAIL, getchar: %s\n", errstr(c));
		return 1;
	}
	cprintf("thrcons: ok, the reader got '%c'\n", c);
	return 0;
}
