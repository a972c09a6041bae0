-- c. one event for one of the first :deep_leads leads of the scored table
-- (about 10 events each): the same spread of leads as track_deep.sql's, so
-- that the two differ only in the leads' histories.
\set id random(1, :deep_leads)
SELECT leadqual.track('bench.scored', :id::text, 'pricing_page_view');
