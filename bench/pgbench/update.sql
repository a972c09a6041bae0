-- c. one lead's score set below the threshold (50): the write path, no
-- stage change.  bench/oltp puts the table's name for @T@.
\set id random(1, :scale)
\set score random(0, 49)
UPDATE @T@ SET score = :score WHERE id = :id;
