#ifndef CDOP_ACTIONS_H
#define CDOP_ACTIONS_H
#include <jansson.h>

struct reg;

/* The recommendation tracker: each recommendation of a review is an
 * action with an id, an owner agency and a due date. Overdue = past due
 * (before today) and not done. */
int actions_list(struct reg *r, int overdue_only, json_t **out);
int actions_done(struct reg *r, const char *id_arg, const char *on);

#endif
