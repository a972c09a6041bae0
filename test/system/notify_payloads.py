#!/usr/bin/python3
# TAP: the NOTIFY of a handoff is valid JSON (RFC 8259: no NaN or
# Infinity) and short enough to send, whatever the lead holds: a float
# score of Infinity or NaN, a numeric of 8001 digits, the longest lead id
# made of characters JSON escapes as six bytes each, an owner name of 10000
# characters, the longest schema and table names, with characters JSON
# must escape.  A promotion never fails because of its notification.
#
# Since 0.5.0 it is a wake-up for the outbox workers, {"table", "to"}: one a
# transaction and table, however many leads it hands off.  A database still
# on the 0.4.0 schema, which has no outbox, gets each lead announced as
# 0.4.0 did, with the same guarantees: the cases run on both.
#
# Runs against the server the PG* variables point at (tools/suites runs
# it), in one psql session a database that LISTENs and promotes, so that
# psql prints each payload it receives.
import json
import re
import subprocess
import sys

DB = "leadqual_notify_payloads"
# the installed default version: the control file's
CURRENT = subprocess.run(["psql", "-X", "-At", "-d", "postgres", "-c",
                          "SELECT default_version FROM pg_available_extensions WHERE name = 'leadqual'"],
                         stdout=subprocess.PIPE, text=True).stdout.strip()
count = 0


def ok(cond, what, diag=None):
    global count
    count += 1
    print(f"{'ok' if cond else 'not ok'} {count} - {what}")
    if not cond and diag:
        for line in str(diag).splitlines()[:10]:
            print(f"#   {line[:300]}")


def strict_json(text):
    """json.loads without Python's extensions (NaN, Infinity)."""
    def refuse(name):
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


LONG_SCHEMA = "s" * 59 + '"\\' + "\u00e9"          # 63 bytes, with " \ and é
LONG_TABLE = "t\t" + "x" * 59 + '"'               # 62 characters, a tab and a "
SETUP = r"""
CREATE EXTENSION leadqual VERSION '%(version)s';
CREATE TABLE floats (id int PRIMARY KEY, score float8, lifecycle_stage leadqual.lifecycle_stage, rep text);
CREATE TABLE numerics (id text PRIMARY KEY, score numeric, lifecycle_stage leadqual.lifecycle_stage, rep text);
CREATE SCHEMA "%(schema)s";
CREATE TABLE "%(schema)s"."%(table)s" (id int PRIMARY KEY, score int, lifecycle_stage leadqual.lifecycle_stage, rep text);
SELECT FROM leadqual.manage('floats', owner_column => 'rep');
SELECT FROM leadqual.manage('numerics', owner_column => 'rep');
SELECT FROM leadqual.manage('"%(schema)s"."%(table)s"', owner_column => 'rep');
"""
QUOTED_LONG = '"%s"."%s"' % (LONG_SCHEMA.replace('"', '""'), LONG_TABLE.replace('"', '""'))

# Each lead announced, on the 0.4.0 schema.
CASES = [
    # (description, SQL, check(payload dict) -> bool)
    ("a float score of Infinity is announced as null",
     "INSERT INTO floats VALUES (1, 'Infinity', 'lead');",
     lambda p: p["score"] is None and p["lead_id"] == "1" and p["complete"] is True),
    ("a float score of NaN (which never promotes) moved into mql by hand is announced as null",
     "INSERT INTO floats VALUES (2, 'NaN', 'mql');",
     lambda p: p["score"] is None and p["lead_id"] == "2" and p["via"] == "manual"),
    ("a finite float score is a number",
     "INSERT INTO floats VALUES (3, 62.5, 'lead');",
     lambda p: p["score"] == 62.5),
    ("a numeric of 8001 digits (1e8000) is announced as null",
     "INSERT INTO numerics VALUES ('big', 1e8000, 'lead');",
     lambda p: p["score"] is None and p["lead_id"] == "big" and p["complete"] is True),
    ("a numeric with many decimals that fits is a number",
     "INSERT INTO numerics VALUES ('exact', 55.123456789012345678901234567890, 'lead');",
     lambda p: p["score"] == 55.123456789012345678901234567890),
    ("the longest lead id, of characters escaped as six bytes each, is announced whole",
     "INSERT INTO numerics VALUES (repeat(E'\\x01', 1000), 70, 'lead');",
     lambda p: p["lead_id"] == "\x01" * 1000 and p["complete"] is True),
    ("a lead id that needs escaping round-trips",
     "INSERT INTO numerics VALUES (E'q\"\\\\\\n\\u00e9\\x01', 70, 'lead');",
     lambda p: p["lead_id"] == 'q"\\\n\u00e9\x01' and p["complete"] is True),
    ("an owner name of 10000 characters is left out, the longest lead id kept",
     "INSERT INTO leadqual.owner (name) VALUES (repeat('o', 10000)); "
     "INSERT INTO numerics VALUES (repeat(E'\\x02', 1000), 70, 'lead'); DELETE FROM leadqual.owner;",
     lambda p: p["owner"] is None and p["lead_id"] == "\x02" * 1000 and p["complete"] is False),
    ("the longest schema and table names, with characters to escape, round-trip",
     'INSERT INTO "%s"."%s" VALUES (7, 80, \'lead\');' % (LONG_SCHEMA.replace('"', '""'), LONG_TABLE.replace('"', '""')),
     lambda p: p["table"] == '"%s"."%s"' % (LONG_SCHEMA.replace('"', '""'), LONG_TABLE.replace('"', '""'))
     and p["lead_id"] == "7" and p["score"] == 80),
    ("a short owner is announced, and complete is true",
     "INSERT INTO leadqual.owner (name) VALUES ('ann'); "
     "INSERT INTO numerics VALUES ('ann''s', 70, 'lead'); DELETE FROM leadqual.owner;",
     lambda p: p["owner"] == "ann" and p["lead_id"] == "ann's" and p["complete"] is True),
]


def table_of(sql):
    """The table a case writes to, as the payload names it."""
    for name in ("floats", "numerics"):
        if f"INTO {name} " in sql:
            return f"public.{name}"
    return QUOTED_LONG


def wake_up(table, to="mql"):
    return lambda p: p == {"table": table, "to": to}


# The wake-ups since 0.5.0: the same statements, then one per transaction
# and table, however many leads.  (description, SQL, check, notifications)
LEADS = ["a float score of Infinity", "a float score of NaN moved into mql by hand",
         "a finite float score", "a numeric of 8001 digits", "a numeric with many decimals",
         "the longest lead id of characters escaped as six bytes each",
         "a lead id that needs escaping", "an owner name of 10000 characters",
         "the longest schema and table names, with characters to escape", "a short owner"]
assert len(LEADS) == len(CASES)
WAKE_UPS = [(f"{lead}: one wake-up naming the table, nothing of the lead", sql, wake_up(table_of(sql)), 1)
            for lead, (_, sql, _) in zip(LEADS, CASES)] + [
    ("a statement handing off 1000 leads sends one wake-up",
     "INSERT INTO numerics SELECT 'bulk' || g, 70, 'lead' FROM generate_series(1, 1000) AS g;",
     wake_up("public.numerics"), 1),
    ("a transaction handing off leads of two tables in three statements sends one wake-up a table",
     "BEGIN; INSERT INTO numerics VALUES ('t1', 70, 'lead'); INSERT INTO floats VALUES (10, 70, 'lead'); "
     "INSERT INTO numerics VALUES ('t2', 70, 'lead'); COMMIT;",
     lambda p: p in ({"table": "public.numerics", "to": "mql"}, {"table": "public.floats", "to": "mql"}), 2),
    ("a lead moved by hand into mql wakes the workers too",
     "INSERT INTO numerics VALUES ('by-hand', 1, 'lead'); UPDATE numerics SET lifecycle_stage = 'mql' WHERE id = 'by-hand';",
     wake_up("public.numerics"), 1),
]

NOTIFY_RE = re.compile(r'^Asynchronous notification "leadqual" with payload "(.*)" received from server process with PID \d+\.$')


def psql(sql):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=0", "-d", DB],
                          input=sql, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run(version, cases):
    """Runs the cases (what, sql, check, notifications) in a new database."""
    subprocess.run(["dropdb", "--if-exists", DB], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if subprocess.run(["createdb", DB]).returncode != 0:
        print("Bail out! cannot create a database")
        sys.exit(1)
    r = psql(SETUP % {"version": version, "schema": LONG_SCHEMA.replace('"', '""'),
                      "table": LONG_TABLE.replace('"', '""')})
    ok("ERROR" not in r.stdout, f"{version}: the tables are managed", r.stdout)
    script = ["LISTEN leadqual;"]
    for i, (_, sql, _, _) in enumerate(cases):
        script.append(f"\\echo @@case {i}")
        script.append(sql)
        script.append("SELECT 1 AS sync \\g /dev/null")   # psql prints notifications after a query
    r = psql("\n".join(script) + "\n")
    case, payloads, errors = None, {}, {}
    for line in r.stdout.split("\n"):
        m = re.fullmatch(r"@@case (\d+)", line)
        if m:
            case = int(m.group(1))
            continue
        m = NOTIFY_RE.match(line)
        if m and case is not None:
            payloads.setdefault(case, []).append(m.group(1))
        elif line.startswith("ERROR") and case is not None:
            errors.setdefault(case, []).append(line)
    for i, (what, _, check, expected) in enumerate(cases):
        got = payloads.get(i, [])
        what = f"{version}: {what}"
        if errors.get(i) or len(got) != expected:
            ok(False, what, f"errors: {errors.get(i)}; {len(got)} notifications, not {expected}")
            continue
        fine, diag = True, ""
        for payload in got:
            try:
                parsed = strict_json(payload)
            except ValueError as e:
                fine, diag = False, f"invalid JSON ({e}): {payload[:200]}"
                break
            try:
                fine = fine and len(payload.encode()) < 8000 and check(parsed)
            except (KeyError, TypeError):
                fine = False
            diag = diag or payload[:300]
        ok(fine, what, diag)


try:
    run("0.4.0", [(what, sql, check, 1) for what, sql, check in CASES])
    run(CURRENT, WAKE_UPS)
finally:
    subprocess.run(["dropdb", "--if-exists", DB], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(f"1..{count}")
