#include "cdop/store/store.h"

#include <string.h>

static const char *const names[] = { "", "admin", "manager", "panel", "analyst" };

const char *role_name(enum role r)
{
	if ((unsigned)r < sizeof names / sizeof names[0])
		return names[r];
	return "";
}

enum role role_parse(const char *name)
{
	unsigned i;

	for (i = 1; name && i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i]))
			return (enum role)i;
	return ROLE_NONE;
}
