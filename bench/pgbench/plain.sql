-- c. track()'s baseline: what an application would do by hand in one
-- transaction, store the event and bump the score (as in case d).
\set id random(1, :scale)
BEGIN;
INSERT INTO bench.plain_events (lead_table, lead_id, kind) VALUES ('bench.plain_leads', :id, 'pricing_page_view');
UPDATE bench.plain_leads SET score = score + 20 WHERE id = :id;
END;
