#ifndef CDOP_AUDIT_H
#define CDOP_AUDIT_H
#include <stdint.h>

struct reg;

/*
 * The audit trail: an append-only table whose rows form a keyed BLAKE2b
 * hash chain (crypto/chain.h). audit_append() must run inside the same
 * transaction as the change it records.
 */
int audit_append(struct reg *r, const char *action, const char *object,
		 const char *detail);
/* As audit_append, with an explicit user and time (imported failures). */
int audit_append_as(struct reg *r, const char *at, const char *user,
		    const char *action, const char *object, const char *detail);

/* An entry in a transaction of its own: for a read that changes nothing
 * (an identifiable view, a refused command), recorded before it is shown. */
int audit_record(struct reg *r, const char *action, const char *object,
		 const char *detail);

/* Walks the chain. On a break: CDOP_ERR_DAMAGED, *bad = first broken seq,
 * message in reg->err. */
int audit_verify(struct reg *r, int64_t *bad);

struct audit_entry {
	int64_t seq;
	const char *at, *user, *action, *object, *detail;
};
typedef int (*audit_visit_fn)(const struct audit_entry *e, void *ctx);
int audit_foreach(struct reg *r, audit_visit_fn fn, void *ctx);

#endif
