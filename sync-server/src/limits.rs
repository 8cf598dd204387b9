//! The server's limits on what a request may ask: body sizes, time, ids, pages. One module with
//! no dependencies of its own, so the HTTP layer, the error type and each area read the same
//! numbers without importing one another.

use std::time::Duration;

/// Largest JSON body accepted (a push of 500 findings fits well within it).
pub const MAX_JSON_BODY: usize = 8 * 1024 * 1024;
/// A request that takes longer than this is answered 408 and its work abandoned.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest op, entity or case id accepted (a UUIDv7 has 36 characters).
pub const MAX_ID_CHARS: usize = 128;
/// Most points in one `patrol.track` op (seven hours at one fix every five seconds).
pub const MAX_TRACK_POINTS: usize = 5000;
/// Most points one patrol's track may hold in all (27 hours at one fix every five seconds).
pub const MAX_PATROL_TRACK_POINTS: u64 = 20_000;
/// Track points in one page of the console's patrol view.
pub const TRACK_PAGE: u64 = 2_000;
/// Patrols or grids in one page of the console's lists when the caller does not say, and at most.
pub const DEFAULT_LIST_LIMIT: u64 = 500;
pub const MAX_LIST_LIMIT: u64 = 2_000;
/// Changes in a pull page when the device does not say.
pub const DEFAULT_PULL_LIMIT: u32 = 500;
/// Rejected ops in a page when the caller does not say, and at the most.
pub const DEFAULT_REJECTED_LIMIT: u32 = 100;
pub const MAX_REJECTED_LIMIT: u32 = 1000;
/// Rejected ops a page may skip, at the most.
pub const MAX_REJECTED_OFFSET: u32 = 1_000_000;
/// Most cases in one page of the console's list.
pub const MAX_PAGE_SIZE: u64 = 200;
/// Longest user name a sign-in may name.
pub const MAX_USERNAME_CHARS: usize = 64;
/// Longest password accepted (argon2 hashes any length; this bounds the work a request asks).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest device name a sign-in may give.
pub const MAX_DEVICE_NAME_CHARS: usize = 128;
/// Longest display name an admin may give a user.
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;
/// Longest org unit code and name an admin may give (the GeoJSON import's grid bounds are
/// its own: `console::grids_geojson`).
pub const MAX_UNIT_ID_CHARS: usize = 64;
pub const MAX_UNIT_NAME_CHARS: usize = 100;
/// Longest category code and name (Chinese or English) in an uploaded category tree.
pub const MAX_CATEGORY_CODE_CHARS: usize = 32;
pub const MAX_CATEGORY_NAME_CHARS: usize = 100;
/// Longest value of one console query parameter (a search text, a comma list of filters).
pub const MAX_QUERY_VALUE_CHARS: usize = 500;
