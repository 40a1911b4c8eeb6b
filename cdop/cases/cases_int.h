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

/* attach.c: an agency's sealed form and its attachments (agency.c). */
struct agency_file {
	char *name;      /* the file's base name */
	uint8_t *data;
	size_t len;
};
struct agency_files {
	struct agency_file *v;
	size_t n;
};
#define AGENCY_FILES_INIT { NULL, 0 }
/* Opens PATH (sealed to this register), parses and validates the agency
 * reporting form in it; its `agency` must be AGENCY. Field "age". */
int agency_form_open(struct reg *r, const char *agency, const char *path, json_t **form);
/* Reads each path whole (field "attach"). */
int agency_files_read(struct reg *r, const char *const *paths, size_t n,
		      struct agency_files *f);
/* Stores them sealed with the report of AGENCY for the case, received ON. */
int agency_files_store(struct reg *r, int64_t case_id, const char *agency, const char *on,
		       const struct agency_files *f);
void agency_files_release(struct agency_files *f);

/* idcheck.c: the identifier fields of notification n as the text that
 * case_ids.ids holds sealed (migration 016, moved by 017); malloc'd, NULL on
 * ENOMEM. */
char *idset_fields_text(const json_t *n);
/* The fields of such a text, in this order (NULL when absent), as
 * strings in *buf (malloc'd; wipe it, IDSET_FIELDS bytes more than text,
 * and free it): 0, -1 on ENOMEM, -2 (*buf NULL) when it is not one. */
enum { IDF_FORENAME, IDF_SURNAME, IDF_BY_NAME, IDF_NHS, IDF_DOB, IDF_DEATH,
       IDF_POSTCODE, IDF_ADDRESS, IDSET_FIELDS };
int idset_fields_parse(const char *text, char **buf, const char *f[IDSET_FIELDS]);
/* Wipes and frees the *buf idset_fields_parse made of text (NULL: none). */
void idset_fields_release(const char *text, char *buf);
/* A case's sealed identifier fields (case_ids.ids), opened and split. */
struct opened_ids {
	char *text, *buf;
	const char *f[IDSET_FIELDS];
};
/* Opens case id's sealed ids (blob, len; NULL: none) into o: 0, -1 on
 * ENOMEM, -2 when they cannot decide (none, not opened or not well made:
 * the notification decides, and reports). ids_release after, always. */
int ids_open(struct reg *r, int64_t id, const void *blob, size_t len, struct opened_ids *o);
void ids_release(struct opened_ids *o);
/* Rows of case_ids read before the identifier set is made on two threads
 * (idcheck.c, ids_pass); tests lower it. */
extern int64_t idset_thread_rows;

#endif
