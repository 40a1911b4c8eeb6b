/* One program for several unit test files (CDOP_UNIT_GROUPED,
 * tests/CMakeLists.txt): `unit_KIND NAME [ARGS...]` runs test file NAME's
 * own main, so each ctest entry unit/NAME still runs its own group alone,
 * in its own process, and fails alone. Without a known NAME: the list and
 * exit status 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_main.h"

struct unit {
	const char *name;
	int (*run)(void);
	int (*run_args)(int argc, char **argv);
};

#define UNIT_MAIN(n) { #n, unit_main_##n, NULL },
#define UNIT_MAIN_ARGS(n) { #n, NULL, unit_main_##n },
static const struct unit units[] = {
#include "unit_list.h"
};

int main(int argc, char **argv)
{
	size_t i, n = sizeof units / sizeof units[0];

	for (i = 0; argc > 1 && i < n; i++) {
		if (strcmp(argv[1], units[i].name) != 0)
			continue;
		if (units[i].run)
			return units[i].run();
		/* The test's argv[0] is the command that runs it again. */
		size_t len = strlen(argv[0]) + strlen(argv[1]) + 2;
		char *self = malloc(len);
		if (!self)
			return 1;
		snprintf(self, len, "%s %s", argv[0], argv[1]);
		argv[1] = self;
		int ret = units[i].run_args(argc - 1, argv + 1);
		free(self);
		return ret;
	}
	fprintf(stderr, "usage: %s TEST [ARGS...]; TEST is one of:\n",
		argc > 0 ? argv[0] : "unit");
	for (i = 0; i < n; i++)
		fprintf(stderr, "  %s\n", units[i].name);
	return 2;
}
