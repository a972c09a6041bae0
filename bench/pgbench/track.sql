-- c. one event for a lead of the scored table: leadqual stores it and
-- rescores the lead from all its events (case d, one call a transaction).
\set id random(1, :scale)
SELECT leadqual.track('bench.scored', :id::text, 'pricing_page_view');
