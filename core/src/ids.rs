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
    /// A case in the ledger: a canonical UUID ([`is_canonical_uuid`]), made on the device for a
    /// grid report and by the server for an intake.
    CaseId
);

impl CaseId {
    /// Whether the id is a canonical UUID, the only form a new case may be given.
    pub fn is_canonical(&self) -> bool {
        is_canonical_uuid(&self.0)
    }
}

/// Whether `s` is a UUID in its canonical text form: 36 characters, lower-case hex digits in
/// groups of 8-4-4-4-12 joined by hyphens. Any version is accepted (devices make v7), but no
/// braces, no `urn:uuid:` prefix and no upper case, so one UUID has one spelling — it is a key,
/// a URL segment and an export cell, and a text of the sender's choosing is none of those.
pub fn is_canonical_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}
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
    fn case_ids_are_canonical_uuids() {
        assert!(
            is_canonical_uuid("019375c4-8f2a-7c3e-9b1d-0a1b2c3d4e5f"),
            "a UUIDv7"
        );
        for bad in [
            "",
            "c0",
            "=HYPERLINK(\"http://x\")",
            "019375C4-8F2A-7C3E-9B1D-0A1B2C3D4E5F",
            "{019375c4-8f2a-7c3e-9b1d-0a1b2c3d4e5f}",
            "019375c48f2a7c3e9b1d0a1b2c3d4e5f",
            "019375c4-8f2a-7c3e-9b1d-0a1b2c3d4e5g",
            "019375c4-8f2a-7c3e-9b1d-0a1b2c3d4e5f0",
            "019375c4+8f2a-7c3e-9b1d-0a1b2c3d4e5f",
        ] {
            assert!(!is_canonical_uuid(bad), "{bad:?} is not a canonical UUID");
        }
        assert!(CaseId::new("019375c4-8f2a-7c3e-9b1d-0a1b2c3d4e5f").is_canonical());
    }

    #[test]
    fn ids_are_plain_strings_on_the_wire() {
        let id = CaseId::new("0190-abc");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"0190-abc\"");
    }
}
