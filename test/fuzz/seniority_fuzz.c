/*
 * seniority_fuzz.c
 *		libFuzzer harness for the title classifier (src/core/seniority.c).
 *
 * Any bytes are a title.  Besides not crashing or reading out of bounds
 * (the sanitizers watch that), the classifier must give a valid level with
 * a name, and must not care about ASCII case.
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
	for (size_t i = 0; i < size; i++)
		swapped[i] = swap_case((char) data[i]);
	if (lq_classify_title(swapped, size) != level)
		abort();
	free(swapped);
	return 0;
}
