#define _GNU_SOURCE /* fopencookie */
#include "cdop/cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Terminal safety (SPEC §6, issue 10 finding 13): everything the command
 * line prints on stdout and stderr passes through cli_escape(), so text
 * from the register or a user (an attendee's name, a claimed user name in
 * a failed-unlock record, an agency's form) cannot drive the terminal of
 * whoever reads it. Escaped, as \uXXXX: C0 controls other than line feed
 * and tab, DEL, C1 controls (U+0080-U+009F) and the bidirectional
 * embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069. A byte
 * that is not UTF-8 is shown as \xNN. Inside JSON strings \uXXXX is the
 * JSON escape of the same character, so --json output stays valid JSON and
 * means the same; jansson never writes C0 raw, so only text views change.
 */

/* Bytes of the UTF-8 sequence led by c; 0 if c cannot lead one. */
static size_t seq_len(unsigned char c)
{
	if (c < 0x80) return 1;
	if (c >= 0xc2 && c <= 0xdf) return 2;
	if (c >= 0xe0 && c <= 0xef) return 3;
	if (c >= 0xf0 && c <= 0xf4) return 4;
	return 0;
}

static int needs_escape(unsigned cp)
{
	return (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7f && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t cli_escape(const char *in, size_t n, char *out, size_t room, size_t *used)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0;

	while (i < n) {
		size_t len = seq_len(p[i]), k;
		unsigned cp;
		char piece[16];
		size_t plen;

		if (len > 1 && i + len > n)
			break; /* an incomplete sequence: the caller keeps it */
		for (k = 1; len > 1 && k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				len = 0;
		if (len == 0) {
			plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", p[i]);
			len = 1;
		} else {
			cp = len == 1 ? p[i] : len == 2 ? (p[i] & 0x1fu) << 6 | (p[i + 1] & 0x3fu) :
			     len == 3 ? (p[i] & 0x0fu) << 12 | (p[i + 1] & 0x3fu) << 6 |
					(p[i + 2] & 0x3fu) : 0x10000;
			if (needs_escape(cp))
				plen = (size_t)snprintf(piece, sizeof piece, "\\u%04x", cp);
			else {
				memcpy(piece, p + i, len);
				plen = len;
			}
		}
		if (o + plen > room)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		i += len;
	}
	*used = o;
	return i;
}

struct esc_stream {
	int fd;
	unsigned char carry[4];
	size_t ncarry;
	int err; /* errno of the first write that failed; 0 if none */
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Escapes BUF (with what an earlier call left of a split sequence). */
static ssize_t esc_write(void *cookie, const char *buf, size_t size)
{
	struct esc_stream *s = cookie;
	char in[4096 + 4], out[6 * sizeof in];
	size_t done = 0;

	while (done < size || s->ncarry) {
		size_t take = size - done, n, used, eaten;

		if (take > 4096)
			take = 4096;
		memcpy(in, s->carry, s->ncarry);
		memcpy(in + s->ncarry, buf + done, take);
		n = s->ncarry + take;
		done += take;
		eaten = cli_escape(in, n, out, sizeof out, &used);
		if (write_all(s->fd, out, used)) {
			if (!s->err)
				s->err = errno ? errno : EIO;
			return -1;
		}
		s->ncarry = n - eaten; /* at most 3 bytes of a split sequence */
		memcpy(s->carry, in + eaten, s->ncarry);
		if (done >= size)
			break;
	}
	return (ssize_t)size;
}

/* At close, a sequence that never completed is shown byte by byte. */
static int esc_close(void *cookie)
{
	struct esc_stream *s = cookie;
	char out[32];
	size_t i, o = 0;

	for (i = 0; i < s->ncarry; i++)
		o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", s->carry[i]);
	s->ncarry = 0;
	if (o && write_all(s->fd, out, o)) {
		if (!s->err)
			s->err = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

static struct esc_stream esc_out = { STDOUT_FILENO, { 0 }, 0, 0 };
static struct esc_stream esc_err = { STDERR_FILENO, { 0 }, 0, 0 };

int cli_escape_stdout_errno(void)
{
	return esc_out.err;
}

void cli_escape_install(void)
{
	static const cookie_io_functions_t io = { NULL, esc_write, NULL, esc_close };
	FILE *o = fopencookie(&esc_out, "w", io), *e = fopencookie(&esc_err, "w", io);

	if (!o || !e) {
		if (o)
			fclose(o);
		if (e)
			fclose(e);
		return; /* out of memory at start: nothing printed yet anyway */
	}
	esc_out.ncarry = esc_err.ncarry = 0;
	esc_out.err = esc_err.err = 0;
	setvbuf(e, NULL, _IONBF, 0);
	fflush(stdout);
	fflush(stderr);
	stdout = o;
	stderr = e;
}
