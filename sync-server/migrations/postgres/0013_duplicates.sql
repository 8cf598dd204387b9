-- Issue 17: a case page lists the cases merged into it (合并重复件), so both timelines link each
-- other. A merged case names its target in its projection (`duplicate_of`); this index finds
-- them by target among the cases closed as duplicates.
CREATE INDEX cases_duplicate_of ON cases ((data::jsonb ->> 'duplicate_of'))
    WHERE outcome = 'duplicate';
