/*
 * seniority_test.c
 *		TAP unit tests of the job-title classifier in src/core/seniority.c.
 *		Built and run by "make unitcheck"; needs no server.
 *
 * Usage: seniority_test CORPUS
 * CORPUS (test/unit/seniority_corpus.tsv) holds one "title<TAB>level" per
 * line; blank lines and lines starting with '#' are skipped.  Every title is
 * classified from a heap copy of exactly its length, without a NUL, so that
 * AddressSanitizer sees any read past the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seniority.h"

static int	test_count = 0;
static int	failures = 0;

static void
ok(int passed, const char *description)
{
	test_count++;
	if (!passed)
		failures++;
	printf("%sok %d - %s\n", passed ? "" : "not ", test_count, description);
	fflush(stdout);
}

/* Classifies a heap copy of exactly length bytes, with no NUL after them. */
static LqSeniority
classify_exact(const char *title, size_t length)
{
	char	   *copy;
	LqSeniority level;

	if (length == 0)
		return lq_classify_title(title, 0);
	copy = malloc(length);
	if (copy == NULL)
	{
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memcpy(copy, title, length);
	level = lq_classify_title(copy, length);
	free(copy);
	return level;
}

static const char *
name_of(LqSeniority level)
{
	const char *name = lq_seniority_name(level);

	return name ? name : "(out of range)";
}

static bool
valid_level(LqSeniority level)
{
	return (int) level >= 0 && level < LQ_SENIORITY_COUNT;
}

/*
 * The title as it can appear in a TAP description: quoted, with '#' (a TAP
 * directive), '\' and anything not printable ASCII as \xNN.
 */
static void
quote_title(char *out, size_t out_size, const char *title, size_t length)
{
	size_t		n = 0;

	out[n++] = '"';
	for (size_t i = 0; i < length && n + 8 < out_size; i++)
	{
		unsigned char c = (unsigned char) title[i];

		if (c < 0x20 || c >= 0x7f || c == '#' || c == '\\' || c == '"')
			n += (size_t) snprintf(out + n, out_size - n, "\\x%02x", c);
		else
			out[n++] = (char) c;
	}
	out[n++] = '"';
	out[n] = '\0';
}

static int
level_from_name(const char *name)
{
	for (int i = 0; i < LQ_SENIORITY_COUNT; i++)
		if (strcmp(lq_seniority_name(i), name) == 0)
			return i;
	return -1;
}

static void
test_corpus(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	char		line[4096];
	char		description[4096 + 200];
	int			lineno = 0;
	int			titles = 0;

	if (f == NULL)
	{
		snprintf(description, sizeof(description), "corpus %s can be opened", path);
		ok(0, description);
		return;
	}
	while (fgets(line, sizeof(line), f))
	{
		size_t		length = strlen(line);
		char	   *tab;
		char		quoted[4096];
		int			expected;
		LqSeniority got;

		lineno++;
		if (length == sizeof(line) - 1 && line[length - 1] != '\n')
		{
			snprintf(description, sizeof(description), "%s:%d is shorter than %zu bytes",
					 path, lineno, sizeof(line) - 2);
			ok(0, description);
			break;
		}
		while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r'))
			line[--length] = '\0';
		if (length == 0 || line[0] == '#')
			continue;

		/* the level follows the last tab: a title may hold tabs */
		tab = strrchr(line, '\t');
		if (tab == NULL || (expected = level_from_name(tab + 1)) < 0)
		{
			snprintf(description, sizeof(description),
					 "%s:%d is \"title<TAB>level\" with a known level", path, lineno);
			ok(0, description);
			continue;
		}
		titles++;
		quote_title(quoted, sizeof(quoted), line, (size_t) (tab - line));
		got = classify_exact(line, (size_t) (tab - line));
		if (got == (LqSeniority) expected)
			snprintf(description, sizeof(description), "%s is %s", quoted, name_of(got));
		else
			snprintf(description, sizeof(description), "%s is %s, got %s (%s:%d)",
					 quoted, lq_seniority_name(expected), name_of(got), path, lineno);
		ok(got == (LqSeniority) expected, description);
	}
	fclose(f);
	snprintf(description, sizeof(description), "the corpus has at least 200 titles (%d)", titles);
	ok(titles >= 200, description);
}

static void
test_names(void)
{
	static const char *const expected[LQ_SENIORITY_COUNT] = {
		"c_level", "vp", "director", "manager", "individual_contributor", "unknown"
	};
	char		description[200];

	for (int i = 0; i < LQ_SENIORITY_COUNT; i++)
	{
		const char *name = lq_seniority_name(i);

		snprintf(description, sizeof(description), "level %d is named %s", i, expected[i]);
		ok(name != NULL && strcmp(name, expected[i]) == 0, description);
	}
	ok(LQ_SENIORITY_COUNT == 6, "there are six levels");
	ok(lq_seniority_name(LQ_SENIORITY_COUNT) == NULL, "a level past the last has no name");
	ok(lq_seniority_name((LqSeniority) -1) == NULL, "a negative level has no name");
}

static void
test_empty(void)
{
	char		buffer[] = "CEO";

	ok(lq_classify_title(buffer, 0) == LQ_SENIORITY_UNKNOWN,
	   "length 0 is unknown, whatever the buffer holds");
	ok(lq_classify_title(NULL, 0) == LQ_SENIORITY_UNKNOWN, "NULL with length 0 is unknown");
	ok(classify_exact("", 0) == LQ_SENIORITY_UNKNOWN, "the empty title is unknown");
	ok(classify_exact(" ,.;-&/ ", 8) == LQ_SENIORITY_UNKNOWN, "punctuation alone is unknown");
	ok(classify_exact("\0\0\0", 3) == LQ_SENIORITY_UNKNOWN, "NULs alone are unknown");
}

static void
test_embedded_nul(void)
{
	ok(classify_exact("Vice\0President", 14) == LQ_SENIORITY_VP,
	   "a NUL separates words like a space (\"Vice\\0President\")");
	ok(classify_exact("\0\0CEO", 5) == LQ_SENIORITY_C_LEVEL, "NULs before the title do not end it");
	ok(classify_exact("Engineer\0\0\0 Manager", 20) == LQ_SENIORITY_MANAGER,
	   "words after NULs are read");
	ok(classify_exact("Assistant to the\0CEO", 20) == LQ_SENIORITY_INDIVIDUAL_CONTRIBUTOR,
	   "a NUL does not undo \"to the\"");
}

/* length is what decides, not the buffer's contents or a NUL */
static void
test_not_terminated(void)
{
	char		buffer[] = "Manager CEO";
	char		letters[] = {'V', 'P', 'X'};
	char	   *heap = malloc(7);

	ok(lq_classify_title(buffer, 7) == LQ_SENIORITY_MANAGER,
	   "words past the length are not read (\"Manager\" of \"Manager CEO\")");
	ok(lq_classify_title(buffer, 9) == LQ_SENIORITY_MANAGER,
	   "a word cut by the length is a different word (\"Manager C\")");
	ok(lq_classify_title(letters, 2) == LQ_SENIORITY_VP,
	   "a buffer without a NUL: \"VP\" of \"VPX\"");
	ok(lq_classify_title("C.E.O.", 3) == LQ_SENIORITY_UNKNOWN,
	   "joined letters stop at the length (\"C.E\")");
	if (heap)
	{
		memcpy(heap, "Founder", 7);
		ok(lq_classify_title(heap, 7) == LQ_SENIORITY_C_LEVEL,
		   "a heap buffer of exactly the title, no NUL");
		free(heap);
	}
	else
		ok(0, "malloc(7)");
}

/* Truncated and invalid UTF-8 at the very end of an exact heap buffer. */
static void
test_utf8_edges(void)
{
	static const char *const tails[] = {
		"\xe2", "\xe2\x80", "\xe2\x80\x99", "\xc2", "\xc2\xa0", "\xe3\x80",
		"\xe3\x80\x80", "\xff", "\x80", "\xe2\x81", "\xe2\x81\xbf"
	};
	int			all_ok = 1;

	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++)
	{
		char		title[32];
		size_t		n;

		n = (size_t) snprintf(title, sizeof(title), "VP%s", tails[i]);
		all_ok &= valid_level(classify_exact(title, n));
		n = (size_t) snprintf(title, sizeof(title), "VP %s", tails[i]);
		all_ok &= classify_exact(title, n) == LQ_SENIORITY_VP;
		n = (size_t) snprintf(title, sizeof(title), "Director%ss", tails[i]);
		all_ok &= valid_level(classify_exact(title, n));
		n = (size_t) snprintf(title, sizeof(title), "Director%s", tails[i]);
		all_ok &= valid_level(classify_exact(title, n));
	}
	ok(all_ok, "truncated UTF-8 at the end of the title is read safely");
	ok(classify_exact("VP\xe2\x80\x93Sales", 10) == LQ_SENIORITY_VP, "an en dash separates");
	ok(classify_exact("Director\xe2\x80\x99s Assistant", 22) == LQ_SENIORITY_INDIVIDUAL_CONTRIBUTOR,
	   "a curly apostrophe makes a possessive");
	ok(classify_exact("Vice\xc2\xa0President", 15) == LQ_SENIORITY_VP, "a no-break space separates");
	ok(classify_exact("CEO\xc3\xa9", 5) == LQ_SENIORITY_UNKNOWN,
	   "a byte >= 0x80 is part of its word (\"CEO\" + \"\\xc3\\xa9\" is not CEO)");
}

static void
test_every_byte(void)
{
	int			one_unknown = 1;
	int			two_valid = 1;
	unsigned char *buffer = malloc(2);

	if (buffer == NULL)
	{
		ok(0, "malloc(2)");
		return;
	}
	for (int b = 0; b < 256; b++)
	{
		buffer[0] = (unsigned char) b;
		one_unknown &= lq_classify_title((const char *) buffer, 1) == LQ_SENIORITY_UNKNOWN;
	}
	ok(one_unknown, "every one-byte title (0 to 255) is unknown");
	for (int b = 0; b < 65536; b++)
	{
		buffer[0] = (unsigned char) (b >> 8);
		buffer[1] = (unsigned char) b;
		two_valid &= valid_level(lq_classify_title((const char *) buffer, 2));
	}
	ok(two_valid, "every two-byte title gives a valid level");
	free(buffer);
}

/* xorshift32, on 64 bits so that no shift loses a bit */
static unsigned long long
next_random(unsigned long long x)
{
	x ^= (x << 13) & 0xffffffffULL;
	x ^= x >> 17;
	x ^= (x << 5) & 0xffffffffULL;
	return x;
}

/* A deterministic stream of titles made of keywords, punctuation and junk. */
static void
test_random_titles(void)
{
	static const char *const pieces[] = {
		"vp", "VP", "C.E.O.", "chief", "officer", "of", "to", "the", "head",
		"lead", "assistant", "'s", "\xe2\x80\x99s", "&", "/", ",", " - ", "-",
		"@", "director", "managing", "vice", "president", "board", "member",
		"c", "level", "go", "gen", "executive", "non", "owner", "product",
		"partner", "general", "counsel", "manager", " ", "  ", ".", "\0",
		"\xe2", "\xe2\x80", "\xff", "\xc2\xa0", "x", "s", "'", "engineer", "admin"
	};
	const size_t n_pieces = sizeof(pieces) / sizeof(pieces[0]);
	unsigned long long state = 12345;
	int			all_valid = 1;
	int			deterministic = 1;
	char		title[256];

	for (int i = 0; i < 20000; i++)
	{
		size_t		length = 0;
		int			words = (int) (state % 12);

		for (int w = 0; w < words; w++)
		{
			const char *piece;
			size_t		piece_length;

			state = next_random(state);
			piece = pieces[state % n_pieces];
			/* "\0" is a one-byte piece */
			piece_length = piece[0] == '\0' ? 1 : strlen(piece);
			if (length + piece_length > sizeof(title))
				break;
			memcpy(title + length, piece, piece_length);
			length += piece_length;
		}
		state = next_random(state);
		{
			LqSeniority first = classify_exact(title, length);

			all_valid &= valid_level(first);
			deterministic &= classify_exact(title, length) == first;
			/* every prefix too: cut anywhere, even inside a UTF-8 mark */
			if (length > 0)
				all_valid &= valid_level(classify_exact(title, (size_t) (state % length)));
		}
	}
	ok(all_valid, "20000 generated titles and their prefixes give valid levels");
	ok(deterministic, "the same title gives the same level");
}

static double
seconds_since(clock_t start)
{
	return (double) (clock() - start) / CLOCKS_PER_SEC;
}

/* Large titles: linear time, no stack growth, the right answer. */
static void
test_large(void)
{
	const size_t size = 1024 * 1024;
	char	   *big = malloc(size);
	char		description[200];
	clock_t		start;
	double		elapsed;
	LqSeniority level;

	if (big == NULL)
	{
		ok(0, "malloc(1 MB)");
		return;
	}

	for (size_t i = 0; i < size; i++)
		big[i] = "vp "[i % 3];
	start = clock();
	level = lq_classify_title(big, size);
	elapsed = seconds_since(start);
	snprintf(description, sizeof(description),
			 "1 MB of \"vp vp vp ...\" is vp, in %.3f s", elapsed);
	ok(level == LQ_SENIORITY_VP && elapsed < 5.0, description);

	/* one word of 1 MB */
	memset(big, 'a', size);
	ok(lq_classify_title(big, size) == LQ_SENIORITY_UNKNOWN, "a 1 MB word is unknown");

	/* 1 MB of single letters joined by dots: one long word */
	for (size_t i = 0; i < size; i++)
		big[i] = (i % 2) ? '.' : 'v';
	ok(lq_classify_title(big, size) == LQ_SENIORITY_UNKNOWN, "1 MB of \"v.v.v.\" is unknown");

	/* the same ending in a real title */
	memcpy(big + size - 4, " CTO", 4);
	ok(lq_classify_title(big, size) == LQ_SENIORITY_C_LEVEL,
	   "a CTO after 1 MB of \"v.v.v.\" is found");

	/* "Assistant to the CEO" followed by 1 MB of senior words */
	memcpy(big, "Assistant to the ", 17);
	for (size_t i = 17; i < size; i++)
		big[i] = "CEO "[(i - 17) % 4];
	ok(lq_classify_title(big, size) == LQ_SENIORITY_INDIVIDUAL_CONTRIBUTOR,
	   "\"Assistant to the\" then 1 MB of \"CEO\" is an individual contributor");

	/* separators, possessives, UTF-8 marks and invalid bytes */
	for (size_t i = 0; i < size; i++)
		big[i] = "x's-&,@\xe2\x80\x99\xff\x80 "[i % 13];
	start = clock();
	level = lq_classify_title(big, size);
	elapsed = seconds_since(start);
	snprintf(description, sizeof(description),
			 "1 MB of punctuation and invalid UTF-8 is unknown, in %.3f s", elapsed);
	ok(level == LQ_SENIORITY_UNKNOWN && elapsed < 5.0, description);

	/* "Chief" without its "Officer", many times over */
	for (size_t i = 0; i < size; i++)
		big[i] = "chief & "[i % 8];
	ok(lq_classify_title(big, size) == LQ_SENIORITY_DIRECTOR,
	   "1 MB of \"chief & \" is director");

	free(big);
}

int
main(int argc, char **argv)
{
	if (argc != 2)
	{
		printf("Bail out! usage: %s CORPUS\n", argv[0]);
		return 2;
	}
	test_names();
	test_empty();
	test_embedded_nul();
	test_not_terminated();
	test_utf8_edges();
	test_every_byte();
	test_random_titles();
	test_large();
	test_corpus(argv[1]);
	printf("1..%d\n", test_count);
	return failures == 0 ? 0 : 1;
}
