-- leadqual.seniority(title): every title of test/unit/seniority_corpus.tsv
-- (the corpus the C unit test reads) classified through SQL, the required
-- examples, NULL and empty titles, and the function's declaration.
--
-- Run from the repository root (as `pg_prove test/*.sql` is): the corpus is
-- read with \copy, relative to the current directory.
\ir helpers/setup.psql

SELECT plan(36);

-- Each line of the corpus as it is, in file order.  CSV with a delimiter
-- and a quote character that never occur keeps every line whole: tabs,
-- backslashes, quotes and surrounding spaces included.
CREATE TEMP TABLE se_raw (n serial, line text);
\copy se_raw (line) FROM 'test/unit/seniority_corpus.tsv' WITH (FORMAT csv, DELIMITER E'\x01', QUOTE E'\x02')

-- title<TAB>label, the label after the last tab (a title may hold tabs, as
-- seniority_test.c reads it); '#' comments and blank lines skipped.
CREATE TEMP TABLE se_corpus AS
SELECT r.n,
       left(r.line, length(r.line) - strpos(reverse(r.line), E'\t')) AS title,
       right(r.line, strpos(reverse(r.line), E'\t') - 1) AS label
FROM se_raw AS r
WHERE r.line !~ '^#' AND r.line <> '';

------------------------------------------------------------------------------
-- The corpus
------------------------------------------------------------------------------

SELECT cmp_ok((SELECT count(*) FROM se_corpus), '>=', 150::bigint, 'the corpus has at least 150 titles');
SELECT is_empty($$SELECT n, r.line FROM se_raw AS r WHERE r.line !~ '^#' AND r.line <> '' AND strpos(r.line, E'\t') = 0$$,
                'every corpus line is title<TAB>label');
SELECT is_empty($$SELECT n, title, label FROM se_corpus
                  WHERE label NOT IN (SELECT unnest(enum_range(NULL::leadqual.seniority_level))::text)$$,
                'every corpus label is a seniority_level');
SELECT is((SELECT label FROM se_corpus WHERE title = ''), 'unknown', 'the corpus has its empty-title line, labelled unknown');
SELECT ok((SELECT count(*) FROM se_corpus WHERE title LIKE E'%\t%') > 0, 'titles holding a tab were kept whole');
SELECT is((SELECT count(DISTINCT label) FROM se_corpus), 6::bigint, 'the corpus covers all six levels');
SELECT is_empty($$SELECT n, title, label AS expected, leadqual.seniority(title)::text AS got
                  FROM se_corpus WHERE leadqual.seniority(title)::text IS DISTINCT FROM label ORDER BY n$$,
                'leadqual.seniority(title) gives the corpus label for every corpus title');

------------------------------------------------------------------------------
-- The required examples
------------------------------------------------------------------------------

SELECT is(leadqual.seniority(t), l::leadqual.seniority_level, format('seniority(%L) is %s', t, l))
FROM (VALUES ('Co-Founder & CTO', 'c_level'),
             ('VP, Sales', 'vp'),
             ('Vice President of Marketing', 'vp'),
             ('Assistant to the CEO', 'individual_contributor'),
             ('Executive Assistant', 'individual_contributor'),
             ('Director''s Assistant', 'individual_contributor'),
             ('President', 'c_level'),
             ('Vice President', 'vp'),
             ('CEO', 'c_level'),
             ('CFO', 'c_level'),
             ('CTO', 'c_level'),
             ('COO', 'c_level'),
             ('CMO', 'c_level'),
             ('CRO', 'c_level'),
             ('CIO', 'c_level'),
             ('CISO', 'c_level'),
             ('SVP', 'vp'),
             ('EVP', 'vp'),
             ('AVP', 'vp'),
             ('Head of Growth', 'director')) AS e(t, l)
ORDER BY t;

SELECT is(leadqual.seniority(NULL), 'unknown'::leadqual.seniority_level, 'seniority(NULL) is unknown');
SELECT is(leadqual.seniority(''), 'unknown'::leadqual.seniority_level, 'seniority('''') is unknown');
SELECT is(leadqual.seniority('   '), 'unknown'::leadqual.seniority_level, 'seniority of blanks is unknown');

------------------------------------------------------------------------------
-- The declaration
------------------------------------------------------------------------------

SELECT is((SELECT provolatile::text FROM pg_proc WHERE oid = 'leadqual.seniority(text)'::regprocedure), 'i',
          'seniority() is IMMUTABLE');
SELECT is((SELECT proparallel::text FROM pg_proc WHERE oid = 'leadqual.seniority(text)'::regprocedure), 's',
          'seniority() is PARALLEL SAFE');
SELECT is((SELECT prorettype::regtype FROM pg_proc WHERE oid = 'leadqual.seniority(text)'::regprocedure),
          'leadqual.seniority_level'::regtype, 'seniority() returns leadqual.seniority_level');
SELECT is((SELECT proisstrict FROM pg_proc WHERE oid = 'leadqual.seniority(text)'::regprocedure), false,
          'seniority() is not STRICT (NULL gives unknown, not NULL)');
SELECT is(enum_range(NULL::leadqual.seniority_level)::text[],
          '{c_level,vp,director,manager,individual_contributor,unknown}'::text[],
          'the seniority levels, most senior first');
-- usable where immutability is required
SELECT lives_ok($$CREATE TEMP TABLE se_indexed (title text);
                  CREATE INDEX se_indexed_seniority ON se_indexed (leadqual.seniority(title))$$,
                'seniority() can be used in an expression index');

SELECT * FROM finish();
ROLLBACK;
