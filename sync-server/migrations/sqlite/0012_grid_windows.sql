-- Issue 16: a day's patrol coverage (巡查率) reads a row per grid patrolled instead of every
-- patrol of the day (a province's day is 336,000 patrols, with their times to parse). The
-- windows a grid was patrolled in on a local day (yiwang_core::measures::counted_window, as
-- bits: morning 1, afternoon 2), added to as each patrol comes to count, which is when its
-- first track points arrive. The server fills the table from the patrols once, as it opens a
-- ledger whose meta `grid_windows` is unset.
CREATE TABLE grid_windows (
    day TEXT NOT NULL,
    grid_id TEXT NOT NULL,
    windows INTEGER NOT NULL,
    PRIMARY KEY (day, grid_id)
);
