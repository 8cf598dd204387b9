//! What only a PostgreSQL ledger is asked: several server processes writing at once while
//! pullers poll (the cursor), the database going away mid-push, and a SQLite county copied in
//! (`migrate-to`). Each test runs when `YIWANG_TEST_DATABASE` names a PostgreSQL server (`make
//! test-pg` starts one) and says so and returns otherwise.

mod cursor;
mod faults;
mod leases;
mod migrate_to;
mod refill;
