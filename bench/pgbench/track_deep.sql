-- c. one event for a lead with 1,000 earlier events (bench.scored_deep of
-- bench/scoring_setup.sql), under the same model as track.sql's leads.
\set id random(1, :deep_leads)
SELECT leadqual.track('bench.scored_deep', :id::text, 'pricing_page_view');
