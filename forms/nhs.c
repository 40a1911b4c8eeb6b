#include "forms/nhs.h"

#include <stdio.h>
#include <string.h>

const char *nhs_strerror(int code)
{
	const char *s = "unknown NHS number error";

	switch (code) {
	case NHS_OK: s = "ok"; break;
	case NHS_ECHAR: s = "only digits and spaces are allowed"; break;
	case NHS_ELENGTH: s = "an NHS number has 10 digits"; break;
	case NHS_ECHECK: s = "the check digit does not match"; break;
	default: break;
	}
	return s;
}

int nhs_number_check_digit(const char *digits)
{
	int sum = 0, i, check;

	/* weights 10 down to 2 over the first nine digits */
	for (i = 0; i < 9; i++)
		sum += (digits[i] - '0') * (10 - i);
	check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	return check == 10 ? -1 : check;
}

int nhs_number_check(const char *in, char out[NHS_NUMBER_BUFLEN],
		     size_t *ndigits)
{
	char d[NHS_NUMBER_BUFLEN];
	size_t n = 0;
	int ret = NHS_OK;
	const char *p;

	for (p = in; *p; p++) {
		if (*p == ' ')
			continue;
		if (*p < '0' || *p > '9') {
			ret = NHS_ECHAR;
			continue;	/* keep counting digits for the message */
		}
		if (n < 10)
			d[n] = *p;
		n++;
	}
	if (ndigits)
		*ndigits = n;
	if (ret != NHS_OK)
		goto out;
	if (n != 10) {
		ret = NHS_ELENGTH;
		goto out;
	}
	d[10] = '\0';
	if (nhs_number_check_digit(d) != d[9] - '0') {
		ret = NHS_ECHECK;
		goto out;
	}
	if (out)
		memcpy(out, d, NHS_NUMBER_BUFLEN);
out:
	return ret;
}

void nhs_number_format(const char *digits,
		       char out[NHS_NUMBER_DISPLAY_BUFLEN])
{
	snprintf(out, NHS_NUMBER_DISPLAY_BUFLEN, "%.3s %.3s %.4s", digits,
		 digits + 3, digits + 6);
}
