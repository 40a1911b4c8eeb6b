#ifndef CDOP_CASES_CASES_INT_H
#define CDOP_CASES_CASES_INT_H

/* What only the files of cdop/cases share. */

#include "cdop/cases/cases.h"

/*
 * A row of a due list (rr due, agency due) marked: "status" overdue when
 * late_by > 0, else outstanding, and over_key or left_key with how far
 * past or before its due time, in whole units of per (late_by / per,
 * rounded towards zero). Takes row; NULL (row freed) when out of memory.
 */
json_t *cases_due_mark(json_t *row, long long late_by, long long per,
		       const char *over_key, const char *left_key);

#endif
