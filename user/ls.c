/*
 * ls: the names in directories, or about files.
 *
 *   ls [-la1] [PATH...]
 *     -l  long: type and permissions, links, owner, size, modified, name
 *     -a  names starting with '.' too
 *     -1  one per line (what ls does anyway when not on the console)
 *
 * Times are the file system's: seconds since the boot of whoever wrote the
 * file (there is no real-time clock), shown as a date from 1970; mkfs on
 * the host writes real dates.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

static bool opt_long, opt_all;
static int status;

struct entry {
	char *name;
	struct stat st;
	bool have_st;
};

static void
mode_string(mode_t m, char *s)
{
	const char *rwx = "rwxrwxrwx";
	int i;

	s[0] = S_ISDIR(m) ? 'd' : S_ISFIFO(m) ? 'p' : S_ISCHR(m) ? 'c' : '-';
	for (i = 0; i < 9; i++)
		s[i + 1] = (m & (0400 >> i)) ? rwx[i] : '-';
	s[10] = '\0';
}

static void
print_entry(const struct entry *e)
{
	char mode[11], when[32];
	struct tm tm;
	time_t t;

	if (!opt_long) {
		printf("%s\n", e->name);
		return;
	}
	if (!e->have_st) {
		printf("?????????? %s\n", e->name);
		return;
	}
	mode_string(e->st.st_mode, mode);
	t = e->st.st_mtime;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%s %2lu %4u %8ld %s %s%s\n", mode, (unsigned long)e->st.st_nlink,
	       (unsigned)e->st.st_uid, (long)e->st.st_size, when, e->name,
	       S_ISDIR(e->st.st_mode) ? "/" : "");
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void
list_dir(const char *path, bool title)
{
	char full[PATH_MAX];
	struct entry *ents = NULL, *n;
	size_t count = 0, cap = 0, i;
	struct dirent *de;
	DIR *d = opendir(path);

	if (d == NULL) {
		fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
		status = 1;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && !opt_all)
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 32;
			if ((n = realloc(ents, cap * sizeof(*ents))) == NULL)
				break;
			ents = n;
		}
		ents[count].name = strdup(de->d_name);
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		ents[count].have_st = opt_long && stat(full, &ents[count].st) == 0;
		if (ents[count].name != NULL)
			count++;
	}
	closedir(d);
	qsort(ents, count, sizeof(*ents), cmp_entry);
	if (title)
		printf("%s:\n", path);
	if (opt_long)
		printf("total %zu\n", count);
	for (i = 0; i < count; i++) {
		print_entry(&ents[i]);
		free(ents[i].name);
	}
	free(ents);
}

int
main(int argc, char **argv)
{
	struct entry e;
	int c, i;

	while ((c = getopt(argc, argv, "la1")) != -1) {
		switch (c) {
		case 'l': opt_long = true; break;
		case 'a': opt_all = true; break;
		case '1': break;
		default:
			fprintf(stderr, "usage: ls [-la1] [path...]\n");
			return 2;
		}
	}
	if (optind == argc) {
		list_dir(".", false);
		return status;
	}
	for (i = optind; i < argc; i++) {
		if (stat(argv[i], &e.st) < 0) {
			fprintf(stderr, "ls: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		if (S_ISDIR(e.st.st_mode)) {
			if (argc - optind > 1 && i > optind)
				printf("\n");
			list_dir(argv[i], argc - optind > 1);
			continue;
		}
		e.name = argv[i];
		e.have_st = true;
		print_entry(&e);
	}
	return status;
}
