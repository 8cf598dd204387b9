//! Identifiers. Every id is a newtype over its text form so the compiler keeps a `CaseId` from
//! being passed where a `GridId` belongs; on the wire and in storage each is a plain string
//! (`#[serde(transparent)]`).
//!
//! Ids made on a device (patrols, findings, cases, ops) are UUIDv7 strings: time-ordered, so
//! indexes stay append-mostly, and unique without asking the server. Reference data (org units,
//! grids, departments) uses the county's own codes.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(s: impl Into<String>) -> Self {
                Self(s.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

string_id!(
    /// An org unit: the county, a township/street or a village/community.
    OrgUnitId
);
string_id!(
    /// A grid, by its code.
    GridId
);
string_id!(
    /// A department that receives dispatched cases (供电, 住建, …), by its code.
    DepartmentId
);
string_id!(
    /// A user account.
    UserId
);
string_id!(
    /// One installation of the app.
    DeviceId
);
string_id!(
    /// One operation in a device's outbox (UUIDv7, made on the device).
    OpId
);
string_id!(
    /// A case in the ledger.
    CaseId
);
string_id!(
    /// A patrol round.
    PatrolId
);
string_id!(
    /// A finding recorded on a patrol.
    FindingId
);
string_id!(
    /// A leaf or top class of the category tree, by its code (e.g. `01.03`).
    CategoryCode
);

/// The SHA-256 of a stored photo file, lower-case hex. Photos are content-addressed by it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[serde(try_from = "String", into = "String")]
pub struct PhotoHash(String);

impl PhotoHash {
    /// Parses a 64-digit hex SHA-256; upper-case input is normalised to lower case.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Some(Self(s.to_ascii_lowercase()))
        } else {
            None
        }
    }

    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        Self(hex::encode(Sha256::digest(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhotoHash {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s).ok_or_else(|| format!("not a SHA-256 hex digest: {s:?}"))
    }
}

impl From<PhotoHash> for String {
    fn from(h: PhotoHash) -> Self {
        h.0
    }
}

impl fmt::Display for PhotoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photo_hash_accepts_only_sha256_hex() {
        assert!(
            PhotoHash::parse(&"a".repeat(64)).is_some(),
            "64 hex digits is a digest"
        );
        assert!(
            PhotoHash::parse(&"a".repeat(63)).is_none(),
            "63 digits is too short"
        );
        assert!(PhotoHash::parse(&"g".repeat(64)).is_none(), "g is not hex");
        assert_eq!(
            PhotoHash::parse(&"AB".repeat(32)).unwrap().as_str(),
            "ab".repeat(32),
            "upper case is normalised so one photo has one name"
        );
        let err = serde_json::from_str::<PhotoHash>("\"xyz\"");
        assert!(err.is_err(), "the wire refuses a malformed hash");
    }

    #[test]
    fn ids_are_plain_strings_on_the_wire() {
        let id = CaseId::new("0190-abc");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"0190-abc\"");
    }
}
