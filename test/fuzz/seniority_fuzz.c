/*
 * seniority_fuzz.c
 *		libFuzzer harness for the title classifier (src/core/seniority.c).
 *
 * Any bytes are a title.  Besides not crashing or reading out of bounds
 * (the sanitizers watch that), the classifier must give a valid level with
 * a name, and must not care about case: of ASCII letters, nor of the
 * accented Latin letters it folds (É and é, Ä and ä).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seniority.h"

static char
swap_case(char c)
{
	if (c >= 'a' && c <= 'z')
		return (char) (c - 'a' + 'A');
	if (c >= 'A' && c <= 'Z')
		return (char) (c - 'A' + 'a');
	return c;
}

/*
 * Swaps the case of the two-byte UTF-8 letters U+00C0 to U+00DE and their
 * lowercase U+00E0 to U+00FE at data[i] into out, if one is there (not
 * × ÷ ß ÿ, which stay); returns the number of bytes written, 0 if none.
 */
static size_t
swap_latin1_case(const uint8_t *data, size_t size, size_t i, char *out)
{
	unsigned char second;

	if (data[i] != 0xC3 || i + 1 >= size || (data[i + 1] & 0xC0) != 0x80)
		return 0;
	second = data[i + 1];
	out[i] = (char) data[i];
	if (second >= 0x80 && second <= 0x9E && second != 0x97)
		out[i + 1] = (char) (second + 0x20);
	else if (second >= 0xA0 && second <= 0xBE && second != 0xB7)
		out[i + 1] = (char) (second - 0x20);
	else
		out[i + 1] = (char) second;
	return 2;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	LqSeniority level = lq_classify_title((const char *) data, size);
	char	   *swapped;

	if ((int) level < 0 || level >= LQ_SENIORITY_COUNT || lq_seniority_name(level) == NULL)
		abort();

	/* an exact-size copy, so reading past the end is caught */
	swapped = malloc(size > 0 ? size : 1);
	for (size_t i = 0; i < size;)
	{
		size_t		n = swap_latin1_case(data, size, i, swapped);

		if (n == 0)
		{
			swapped[i] = swap_case((char) data[i]);
			n = 1;
		}
		i += n;
	}
	if (lq_classify_title(swapped, size) != level)
		abort();
	free(swapped);
	return 0;
}
