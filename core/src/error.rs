//! Error codes: the one closed list of the stable codes that the server's answers, the push
//! results, the device's errors and both UIs' message tables share.
//!
//! A code is a snake_case word a client branches on and translates; the message beside it is
//! for people. [`ErrorCode`] is closed: a new failure gets a new variant here, so the compiler
//! and `ui/src/i18n/errorMessages.ts` (whose table is typed by the generated list, and tested
//! for a Chinese text per code) learn of it at once. Codes are never renamed.
//!
//! A client reads codes with [`ReceivedCode`]: a code this build does not know (a newer server)
//! is kept as [`ReceivedCode::Unknown`], and the client shows the server's message instead of
//! failing to parse the answer.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $name:ident = $text:literal, )*) => {
        /// A stable error code (see the module docs).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ErrorCode {
            $( $(#[$doc])* $name, )*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$( ErrorCode::$name, )*];

            /// The code's wire text.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( ErrorCode::$name => $text, )*
                }
            }
        }
    };
}

error_codes! {
    // — Input the server or the device refuses —
    /// Well-formed but out of bounds: a text too long, a coordinate off the globe, a category
    /// that is not a leaf, times out of order (also the workflow's input refusals).
    InvalidInput = "invalid_input",
    /// Not an op of sync protocol v1: unknown type, missing or mistyped fields.
    InvalidOp = "invalid_op",
    /// The request body is JSON of the wrong shape.
    InvalidBody = "invalid_body",
    /// The request body is not JSON at all.
    InvalidJson = "invalid_json",
    /// The request body was not sent as the content type the route takes.
    InvalidContentType = "invalid_content_type",
    /// A query parameter is unknown or malformed.
    InvalidQuery = "invalid_query",
    /// A request or upload is larger than the server takes.
    TooLarge = "too_large",
    /// A push carries more ops than one push may.
    TooManyOps = "too_many_ops",
    /// More photos than one finding or action may carry (nine).
    TooManyPhotos = "too_many_photos",
    /// An export would list more cases than one file may hold.
    ExportTooLarge = "export_too_large",
    /// A category tree sent by an admin is not a valid tree.
    InvalidCategories = "invalid_categories",
    /// A category still used by cases cannot be removed.
    CategoryInUse = "category_in_use",
    /// A GeoJSON grid import is not valid; nothing of it was stored.
    InvalidGrids = "invalid_grids",

    // — Who may do what —
    /// No valid sign-in: sign in (again).
    Unauthenticated = "unauthenticated",
    /// The user name or password is wrong (the two are not told apart).
    BadCredentials = "bad_credentials",
    /// Too many failed sign-ins: wait as `Retry-After` says.
    TooManyAttempts = "too_many_attempts",
    /// The caller's role may not use this route.
    Forbidden = "forbidden",
    /// A new password that is too weak.
    WeakPassword = "weak_password",
    /// The user name is taken.
    UsernameTaken = "username_taken",
    /// An admin may not disable their own account.
    CannotDisableSelf = "cannot_disable_self",
    /// The current password given to change it is wrong.
    WrongPassword = "wrong_password",
    /// The record is outside the caller's jurisdiction.
    OutOfJurisdiction = "out_of_jurisdiction",

    // — The case workflow (docs/DESIGN.md §4) —
    /// No such case.
    UnknownCase = "unknown_case",
    /// A case with this id already exists.
    CaseExists = "case_exists",
    /// The case changed since the decision was made: look again and decide anew.
    StaleState = "stale_state",
    /// The case's state does not allow this action.
    InvalidTransition = "invalid_transition",
    /// The actor's role may never take this action.
    ForbiddenRole = "forbidden_role",
    /// The case is held by another unit, department or grid.
    NotHolder = "not_holder",
    /// The case is at the county centre: there is no unit above.
    NoParentUnit = "no_parent_unit",
    /// The case already has a rating of this kind (resident or operator).
    AlreadyRated = "already_rated",
    /// There is no extension request to decide.
    NoExtensionRequested = "no_extension_requested",
    /// The actor registered the case and so may not rate it.
    RatingNotAllowed = "rating_not_allowed",
    /// A merge is undone within a week of it; this one is older.
    UndoWindowPassed = "undo_window_passed",

    // — Sync (docs/DESIGN.md §5) —
    /// A track, an end or a finding names a patrol the server does not have.
    UnknownPatrol = "unknown_patrol",
    /// The patrol belongs to another worker.
    NotOwner = "not_owner",
    /// The id is already used by a different record.
    IdConflict = "id_conflict",
    /// The patrol already ended (at another time).
    PatrolEnded = "patrol_ended",
    /// The pull cursor cannot be continued: pull again from the start (HTTP 412).
    CursorInvalid = "cursor_invalid",

    // — Photo uploads (tus 1.0.0) —
    /// `Upload-Metadata` is missing what the upload needs, or malformed.
    InvalidMetadata = "invalid_metadata",
    /// `Upload-Checksum` is malformed.
    InvalidChecksum = "invalid_checksum",
    /// A photo hash that is not 64 hex digits.
    InvalidHash = "invalid_hash",
    /// `Upload-Offset` is missing or not a number.
    InvalidUploadOffset = "invalid_upload_offset",
    /// `Upload-Length` is not a number, or beyond the limit.
    InvalidUploadLength = "invalid_upload_length",
    /// A creation without `Upload-Length`.
    UploadLengthRequired = "upload_length_required",
    /// `Upload-Defer-Length` is not supported.
    DeferLengthUnsupported = "defer_length_unsupported",
    /// tus concatenation is not supported.
    ConcatenationUnsupported = "concatenation_unsupported",
    /// A checksum algorithm other than sha256.
    ChecksumAlgorithmUnsupported = "checksum_algorithm_unsupported",
    /// A missing or unsupported `Tus-Resumable` header.
    TusVersionUnsupported = "tus_version_unsupported",
    /// The chunk does not match its checksum: send it again (HTTP 460).
    ChecksumMismatch = "checksum_mismatch",
    /// The client's offset is not the server's: ask the server's offset and resume there.
    OffsetMismatch = "offset_mismatch",
    /// Another request is writing this upload right now.
    UploadBusy = "upload_busy",
    /// The upload expired and was removed: start a new one.
    UploadExpired = "upload_expired",
    /// The upload's bytes are gone from the server: start a new one.
    UploadLost = "upload_lost",
    /// The upload belongs to another device or user.
    DeviceMismatch = "device_mismatch",
    /// The whole file does not have the SHA-256 it was announced with.
    HashMismatch = "hash_mismatch",
    /// The body ended before the bytes the request announced.
    BodyIncomplete = "body_incomplete",
    /// The bytes are not a JPEG, PNG or WebP image.
    NotAnImage = "not_an_image",
    /// The image is damaged or cut short.
    CorruptImage = "corrupt_image",
    /// The image is larger (in bytes or pixels) than the server takes.
    ImageTooLarge = "image_too_large",
    /// The user already has as many unfinished uploads (or bytes in them) as the server allows
    /// one user: finish or end one, or wait as `Retry-After` says (HTTP 429).
    TooManyUploads = "too_many_uploads",
    /// The server's disk is nearly full: photo uploads wait until space is freed; records still
    /// sync (HTTP 507, `Retry-After`).
    InsufficientStorage = "insufficient_storage",
    /// The JPEG still carries Exif or XMP metadata (GPS, camera): strip it and upload again.
    PhotoHasMetadata = "photo_has_metadata",
    /// A record names a photo that is not stored, or that its author did not upload and may not
    /// see (the two are not told apart).
    UnknownPhoto = "unknown_photo",

    // — The server's own state —
    /// No such record or route.
    NotFound = "not_found",
    /// The server (or its database) is busy or unreachable: try again shortly.
    Unavailable = "unavailable",
    /// Something failed inside the server; the details are in its log.
    Internal = "internal",

    // — On the device (the worker app) —
    /// Nobody is signed in on this device.
    NotLoggedIn = "not_logged_in",
    /// Sign-in refused: wrong user name or password, or the account cannot use the app.
    WrongCredentials = "wrong_credentials",
    /// The server cannot be reached.
    Offline = "offline",
    /// The server is reachable but busy or failing (5xx): the sync retries by itself.
    ServerUnavailable = "server_unavailable",
    /// Too many requests: wait and try again.
    Throttled = "throttled",
    /// The answer did not come from a Yiwang server (a captive portal, a proxy page).
    NotOurServer = "not_our_server",
    /// The server address is not an http(s) address.
    InvalidServerUrl = "invalid_server_url",
    /// A plain `http://` address of a public host: use `https://`, or turn on the settings'
    /// insecure switch (a test server on a private network needs neither).
    InsecureServerUrl = "insecure_server_url",
    /// The server refused a request for good (a 4xx it gave no more precise code for).
    Refused = "refused",
    /// Records made on this device have not reached the server yet.
    UnsyncedWork = "unsynced_work",
    /// A patrol is still going on: end it first.
    PatrolOpen = "patrol_open",
    /// The worker has no grid assigned.
    NoGrid = "no_grid",
    /// The photo is too large to take.
    PhotoTooLarge = "photo_too_large",
    /// The photo cannot be read (damaged, or not a picture).
    PhotoUnreadable = "photo_unreadable",
    /// A photo file on the device could not be read or written.
    PhotoFile = "photo_file",
    /// The device's database was written by a newer app version.
    NewerSchema = "newer_schema",
    /// The device's storage failed (full, or failing).
    StorageError = "storage_error",
    /// A stored record could not be read.
    BadRecord = "bad_record",
}

impl ErrorCode {
    /// The code whose wire text is `s`, if this build knows it.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The list as TypeScript (`ui/src/generated/ErrorCode.ts`): a constant array and the
    /// union type of its members, so a message table typed `Record<ErrorCode, string>` fails the
    /// type check when a code has no text.
    pub fn typescript() -> String {
        let mut out = String::from(
            "// Generated from core/src/error.rs by `YIWANG_BLESS=1 cargo test -p yiwang-client \
             --test ts_types`. Do not edit.\n\n/** Every stable error code (yiwang_core::error::ErrorCode). */\n\
             export const ERROR_CODES = [\n",
        );
        for c in Self::ALL {
            out.push_str(&format!("  '{}',\n", c.as_str()));
        }
        out.push_str(
            "] as const\n\nexport type ErrorCode = (typeof ERROR_CODES)[number]\n\n\
             /** Whether `code` is one this build knows (a newer server may send others). */\n\
             export function isErrorCode(code: string): code is ErrorCode {\n  \
             return (ERROR_CODES as readonly string[]).includes(code)\n}\n",
        );
        out
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        ErrorCode::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code {s:?}")))
    }
}

/// A code as a client reads it off the wire: one this build knows, or a newer server's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReceivedCode {
    Known(ErrorCode),
    /// A code this build does not know: show the message that came with it.
    Unknown(String),
}

impl ReceivedCode {
    pub fn parse(s: &str) -> ReceivedCode {
        ErrorCode::parse(s).map_or_else(|| ReceivedCode::Unknown(s.to_owned()), ReceivedCode::Known)
    }

    pub fn as_str(&self) -> &str {
        match self {
            ReceivedCode::Known(c) => c.as_str(),
            ReceivedCode::Unknown(s) => s,
        }
    }

    pub fn known(&self) -> Option<ErrorCode> {
        match self {
            ReceivedCode::Known(c) => Some(*c),
            ReceivedCode::Unknown(_) => None,
        }
    }
}

impl From<&str> for ReceivedCode {
    fn from(s: &str) -> Self {
        ReceivedCode::parse(s)
    }
}

impl From<ErrorCode> for ReceivedCode {
    fn from(c: ErrorCode) -> Self {
        ReceivedCode::Known(c)
    }
}

/// Reads as its wire text, so code that only compares or prints codes treats it as a `str`.
impl std::ops::Deref for ReceivedCode {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for ReceivedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<ErrorCode> for ReceivedCode {
    fn eq(&self, other: &ErrorCode) -> bool {
        self.known() == Some(*other)
    }
}

impl PartialEq<&str> for ReceivedCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for ReceivedCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ReceivedCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(ReceivedCode::parse(&s))
    }
}

/// Both code types are one schema in the OpenAPI document: a string, one of [`ErrorCode::ALL`].
#[cfg(feature = "openapi")]
mod schema {
    use super::{ErrorCode, ReceivedCode};
    use std::borrow::Cow;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    use utoipa::openapi::RefOr;

    fn code_schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A stable error code (yiwang_core::error::ErrorCode); a newer server may add codes",
            ))
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .into()
    }

    impl utoipa::PartialSchema for ErrorCode {
        fn schema() -> RefOr<Schema> {
            code_schema()
        }
    }

    impl utoipa::ToSchema for ErrorCode {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("ErrorCode")
        }
    }

    impl utoipa::PartialSchema for ReceivedCode {
        fn schema() -> RefOr<Schema> {
            code_schema()
        }
    }

    impl utoipa::ToSchema for ReceivedCode {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("ErrorCode")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_words() {
        let mut seen = HashSet::new();
        for c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} is listed twice");
            assert!(
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s} is not snake_case"
            );
            assert_eq!(ErrorCode::parse(s), Some(*c), "{s} parses back to itself");
        }
    }

    #[test]
    fn a_known_code_round_trips_and_an_unknown_one_is_kept() {
        let known: ReceivedCode = serde_json::from_str("\"stale_state\"").unwrap();
        assert_eq!(known, ReceivedCode::Known(ErrorCode::StaleState));
        let newer: ReceivedCode = serde_json::from_str("\"quota_exceeded_v9\"").unwrap();
        assert_eq!(
            newer,
            ReceivedCode::Unknown("quota_exceeded_v9".into()),
            "an older client keeps a newer server's code instead of failing to parse"
        );
        assert_eq!(
            serde_json::to_string(&newer).unwrap(),
            "\"quota_exceeded_v9\""
        );
        assert!(
            serde_json::from_str::<ErrorCode>("\"quota_exceeded_v9\"").is_err(),
            "the closed enum itself refuses what it does not know"
        );
    }

    #[test]
    fn the_typescript_list_names_every_code() {
        let ts = ErrorCode::typescript();
        for c in ErrorCode::ALL {
            assert!(
                ts.contains(&format!("'{}',", c.as_str())),
                "{c} is in the TS list"
            );
        }
    }
}
