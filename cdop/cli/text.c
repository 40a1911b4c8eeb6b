/* Text from the register or a user, printed safely (SPEC §6). */
#include "cdop/cli/cli.h"

#include <stdio.h>
#include <string.h>

/* Bytes of the UTF-8 sequence at s that must not reach a terminal as
 * they are (C1 controls, bidirectional overrides and isolates), or 0. */
static size_t unsafe_utf8(const unsigned char *s)
{
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	if (s[0] == 0xe2 && s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae)
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
		return 3;
	return 0;
}

void cli_put_text(FILE *f, const char *text, int width)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	int shown = 0;
	size_t n, k;

	while (*s) {
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\x%02x", *s++);
			shown += 4;
		} else if ((n = unsafe_utf8(s)) != 0) {
			for (k = 0; k < n; k++)
				fprintf(f, "\\x%02x", s[k]);
			s += n;
			shown += (int)(4 * n);
		} else {
			fputc(*s, f);
			if ((*s & 0xc0) != 0x80)
				shown++;
			s++;
		}
	}
	for (; shown < width; shown++)
		fputc(' ', f);
}
