/*
 * NHS number: 10 digits, the last a modulus-11 check digit. Spaces are
 * allowed on input ("943 476 5919") and removed for storage.
 */
#ifndef FORMS_NHS_H
#define FORMS_NHS_H

#include <stddef.h>

enum nhs_error {
	NHS_OK = 0,
	NHS_ECHAR = -1,		/* something other than a digit or a space */
	NHS_ELENGTH = -2,	/* not exactly 10 digits */
	NHS_ECHECK = -3,	/* check digit wrong (or the sum gives 10) */
};

#define NHS_NUMBER_BUFLEN 11		/* "9434765919" */
#define NHS_NUMBER_DISPLAY_BUFLEN 13	/* "943 476 5919" */

const char *nhs_strerror(int code);

/*
 * Check `in`; on success write the 10 digits without spaces to `out`
 * (which may be NULL). `ndigits`, if not NULL, gets the number of digits
 * seen, so a message can say "has 9 digits".
 */
int nhs_number_check(const char *in, char out[NHS_NUMBER_BUFLEN],
		     size_t *ndigits);

/* The check digit for the first nine digits of `digits`, or -1 if none
 * exists (sum gives 10). */
int nhs_number_check_digit(const char *digits);

/* "9434765919" -> "943 476 5919", the layout on NHS documents. */
void nhs_number_format(const char *digits,
		       char out[NHS_NUMBER_DISPLAY_BUFLEN]);

#endif
