-- Everything the leadqual extension puts in a database, one entry per
-- object, in an order that doesn't depend on OIDs or on the order the
-- objects were created in.  test/system/upgrade.sh runs it in a fresh
-- install and in each updated database, and diffs the output.
--
-- An entry is a line "section key", then the object's definition on the
-- lines after it (a function's pg_get_functiondef(), a view's
-- pg_get_viewdef(), ...).  The sections:
--   member        pg_describe_object() of each object the extension owns
--   extension     the pg_extension row
--   schema        the schema's owner and privileges
--   type          types in the schema: kind, owner, privileges, enum labels in order
--   function      pg_get_functiondef() (language, volatility, strictness,
--                 parallel safety, SECURITY DEFINER, SET clauses, body), kind,
--                 owner and privileges
--   relation      tables, views, sequences and indexes: kind, owner,
--                 privileges, reloptions, row-level security flags
--   column        each column by its position among the live columns (the
--                 order SELECT * and pg_dump see): type, NOT NULL, default,
--                 identity, generated, collation, column privileges
--   view          pg_get_viewdef()
--   index         pg_get_indexdef()
--   constraint    pg_get_constraintdef(), by table (or domain) and name
--   trigger       pg_get_triggerdef() and whether it is enabled (not the
--                 internal triggers of foreign keys)
--   policy        row-level security policies: command, roles, USING, WITH CHECK
--   sequence      parameters, state, and the column that owns it
--   event trigger event, tags, function, enabled
--   config dump   pg_extension_config_dump() registrations (table, condition),
--                 as a set
--   comment       every comment on the extension's objects, their columns,
--                 constraints, triggers and policies
--   initial privileges  pg_init_privs, what pg_dump compares privileges with
--   data          the rows of each table (the built-in rows of a new install)
--
-- Run with search_path = pg_catalog, so that every leadqual name prints
-- schema-qualified.

SET search_path = pg_catalog;

WITH ext AS (
    SELECT x.oid, x.extnamespace FROM pg_extension AS x WHERE x.extname = 'leadqual'
), member AS (
    SELECT d.classid, d.objid, d.objsubid
    FROM pg_depend AS d, ext
    WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), rel AS (
    SELECT c.oid, c.relname, c.relkind, format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace, ext
    WHERE c.relnamespace = ext.extnamespace
), described AS (
    -- an object of the extension: one it owns, or one in its schema
    SELECT o.classoid, o.objoid, o.objsubid
    FROM (SELECT classoid, objoid, objsubid FROM pg_description
          UNION SELECT classoid, objoid, objsubid FROM pg_init_privs) AS o
    WHERE (pg_identify_object(o.classoid, o.objoid, o.objsubid)).schema
              = (SELECT n.nspname FROM pg_namespace AS n, ext WHERE n.oid = ext.extnamespace)
       OR (o.classoid, o.objoid) IN (SELECT m.classid, m.objid FROM member AS m)
       OR (o.classoid, o.objoid) = ('pg_namespace'::regclass, (SELECT ext.extnamespace FROM ext))
       OR (o.classoid, o.objoid) = ('pg_extension'::regclass, (SELECT ext.oid FROM ext))
), entry(section, key, definition) AS (
    SELECT 'member', pg_describe_object(m.classid, m.objid, m.objsubid), NULL
    FROM member AS m
    UNION ALL
    SELECT 'extension', x.extname,
           format('version=%s relocatable=%s schema=%s owner=%s',
                  x.extversion, x.extrelocatable, x.extnamespace::regnamespace, x.extowner::regrole)
    FROM pg_extension AS x, ext WHERE x.oid = ext.oid
    UNION ALL
    SELECT 'schema', n.nspname, format('owner=%s acl=%s', n.nspowner::regrole, n.nspacl)
    FROM pg_namespace AS n, ext WHERE n.oid = ext.extnamespace
    UNION ALL
    SELECT 'type', t.oid::regtype::text,
           format('type=%s owner=%s acl=%s labels=%s', t.typtype, t.typowner::regrole, t.typacl,
                  (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                   FROM pg_enum AS e WHERE e.enumtypid = t.oid))
    FROM pg_type AS t, ext WHERE t.typnamespace = ext.extnamespace
    UNION ALL
    SELECT 'function', p.oid::regprocedure::text,
           format(E'kind=%s owner=%s acl=%s\n%s', p.prokind, p.proowner::regrole, p.proacl,
                  CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END)
    FROM pg_proc AS p, ext WHERE p.pronamespace = ext.extnamespace
    UNION ALL
    SELECT 'relation', r.name,
           format('kind=%s persistence=%s owner=%s acl=%s options=%s rls=%s force_rls=%s replica_identity=%s am=%s',
                  c.relkind, c.relpersistence, c.relowner::regrole, c.relacl, c.reloptions,
                  c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
                  (SELECT a.amname FROM pg_am AS a WHERE a.oid = c.relam))
    FROM rel AS r JOIN pg_class AS c ON c.oid = r.oid
    UNION ALL
    SELECT 'column', format('%s #%s %s', r.name,
                            lpad((row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum))::text, 3, '0'),
                            a.attname),
           format('type=%s not_null=%s default=%s identity=%s generated=%s collation=%s acl=%s options=%s',
                  format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
                  (SELECT co.collname FROM pg_collation AS co WHERE co.oid = a.attcollation),
                  a.attacl,
                  -- (this server stamps every new column with a pg_attver
                  -- option that differs from one CREATE TABLE to the next)
                  ARRAY(SELECT o FROM unnest(a.attoptions) AS o WHERE o NOT LIKE 'pg\_attver=%' ORDER BY o))
    FROM rel AS r
    JOIN pg_attribute AS a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef AS ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    UNION ALL
    SELECT 'view', r.name, pg_get_viewdef(r.oid)
    FROM rel AS r WHERE r.relkind IN ('v', 'm')
    UNION ALL
    SELECT 'index', r.name, pg_get_indexdef(r.oid)
    FROM rel AS r WHERE r.relkind IN ('i', 'I')
    UNION ALL
    SELECT 'constraint', format('%s %s', COALESCE(co.conrelid::regclass::text, co.contypid::regtype::text), co.conname),
           format('type=%s %s', co.contype, pg_get_constraintdef(co.oid))
    FROM pg_constraint AS co, ext WHERE co.connamespace = ext.extnamespace
    UNION ALL
    SELECT 'trigger', format('%s %s', r.name, tg.tgname),
           format('enabled=%s %s', tg.tgenabled, pg_get_triggerdef(tg.oid))
    FROM rel AS r JOIN pg_trigger AS tg ON tg.tgrelid = r.oid AND NOT tg.tgisinternal
    UNION ALL
    SELECT 'policy', format('%s %s', r.name, po.polname),
           format('command=%s permissive=%s roles=%s using=%s with_check=%s',
                  po.polcmd, po.polpermissive,
                  ARRAY(SELECT CASE WHEN ro = 0 THEN 'public' ELSE ro::regrole::text END
                        FROM unnest(po.polroles) AS ro ORDER BY 1),
                  pg_get_expr(po.polqual, po.polrelid), pg_get_expr(po.polwithcheck, po.polrelid))
    FROM rel AS r JOIN pg_policy AS po ON po.polrelid = r.oid
    UNION ALL
    SELECT 'sequence', r.name,
           format('type=%s start=%s min=%s max=%s increment=%s cycle=%s cache=%s last_value=%s owned_by=%s',
                  s.data_type, s.start_value, s.min_value, s.max_value, s.increment_by, s.cycle,
                  s.cache_size, s.last_value,
                  (SELECT format('%s.%s', d.refobjid::regclass, a.attname)
                   FROM pg_depend AS d
                   JOIN pg_attribute AS a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                   WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
                     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
    FROM rel AS r JOIN pg_sequences AS s ON s.schemaname = (SELECT n.nspname FROM pg_namespace AS n, ext WHERE n.oid = ext.extnamespace)
                                         AND s.sequencename = r.relname
    UNION ALL
    SELECT 'event trigger', e.evtname,
           format('event=%s tags=%s function=%s enabled=%s owner=%s',
                  e.evtevent, e.evttags, e.evtfoid::regprocedure, e.evtenabled, e.evtowner::regrole)
    FROM pg_event_trigger AS e
    WHERE (('pg_event_trigger'::regclass, e.oid) IN (SELECT m.classid, m.objid FROM member AS m))
       OR e.evtfoid IN (SELECT p.oid FROM pg_proc AS p, ext WHERE p.pronamespace = ext.extnamespace)
    UNION ALL
    SELECT 'config dump', cfg.relid::regclass::text, format('condition=%s', cfg.condition)
    FROM pg_extension AS x, ext, unnest(x.extconfig, x.extcondition) AS cfg(relid, condition)
    WHERE x.oid = ext.oid
    UNION ALL
    SELECT 'comment', pg_describe_object(d.classoid, d.objoid, d.objsubid), de.description
    FROM described AS d
    JOIN pg_description AS de ON (de.classoid, de.objoid, de.objsubid) = (d.classoid, d.objoid, d.objsubid)
    UNION ALL
    SELECT 'initial privileges', pg_describe_object(d.classoid, d.objoid, d.objsubid),
           format('type=%s %s', ip.privtype, ip.initprivs)
    FROM described AS d
    JOIN pg_init_privs AS ip ON (ip.classoid, ip.objoid, ip.objsubid) = (d.classoid, d.objoid, d.objsubid)
    UNION ALL
    SELECT 'data', r.name,
           query_to_xml(format('SELECT t::text AS row FROM %s AS t ORDER BY t::text COLLATE "C"', r.name),
                        false, false, '')::text
    FROM rel AS r WHERE r.relkind IN ('r', 'p')
)
SELECT format('%s %s', e.section, e.key) || COALESCE(E'\n' || e.definition, '')
FROM entry AS e
ORDER BY e.section COLLATE "C", e.key COLLATE "C", e.definition COLLATE "C";
