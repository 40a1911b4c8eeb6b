#ifndef CDOP_PACK_H
#define CDOP_PACK_H

struct reg;

/*
 * The meeting pack: one self-contained, print-friendly HTML file for the
 * panel with every case on the meeting's agenda, anonymised (SPEC §2),
 * its joint agency response timeline, which reports came in, and the
 * analysis form's questions. No network fetches (a CSP forbids them).
 */
int pack_write(struct reg *r, const char *meeting_arg, const char *path);

#endif
