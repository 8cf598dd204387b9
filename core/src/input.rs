//! What is wrong with a case action's input: the field, the rule it breaks and the limit, as
//! closed lists. The workflow refuses with them ([`crate::workflow::Refusal::InvalidInput`]),
//! the server's error body carries them, and the console shows each field and rule in its own
//! words from one table typed by the generated lists (`ui/src/i18n/inputMessages.ts`), the same
//! table its own checks before sending use — so a rule reads alike whoever finds it broken.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The field of a case action (or of a new case) that a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InputField {
    Note,
    Description,
    Address,
    Contact,
    Location,
    Category,
    GridId,
    Unit,
    Channel,
    Department,
    /// The deadline a dispatch gives, when shorter than the category's.
    Deadline,
    /// A new deadline asked for or granted (延期).
    Until,
    DuplicateOf,
    Outcome,
    Photos,
}

impl InputField {
    pub const ALL: [InputField; 15] = [
        InputField::Note,
        InputField::Description,
        InputField::Address,
        InputField::Contact,
        InputField::Location,
        InputField::Category,
        InputField::GridId,
        InputField::Unit,
        InputField::Channel,
        InputField::Department,
        InputField::Deadline,
        InputField::Until,
        InputField::DuplicateOf,
        InputField::Outcome,
        InputField::Photos,
    ];

    /// The field's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            InputField::Note => "note",
            InputField::Description => "description",
            InputField::Address => "address",
            InputField::Contact => "contact",
            InputField::Location => "location",
            InputField::Category => "category",
            InputField::GridId => "grid_id",
            InputField::Unit => "unit",
            InputField::Channel => "channel",
            InputField::Department => "department",
            InputField::Deadline => "deadline",
            InputField::Until => "until",
            InputField::DuplicateOf => "duplicate_of",
            InputField::Outcome => "outcome",
            InputField::Photos => "photos",
        }
    }
}

impl fmt::Display for InputField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rule an input breaks. Where a limit helps (a length, the current deadline) the refusal
/// carries it beside the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InputRule {
    Required,
    /// Longer than the limit (characters).
    TooLong,
    /// At most the limit (photos).
    TooMany,
    /// Names a grid, unit, department or case that does not exist (or that the actor may not see).
    Unknown,
    /// A category that is a class, not one of its leaves.
    NotLeaf,
    /// The case's category was removed from the tree.
    CategoryGone,
    NotCoordinate,
    /// A grid worker reports through the grid channel only.
    GridChannelOnly,
    /// Say what was done, or attach a photo of it.
    NoteOrPhoto,
    /// The case has no grid, so no grid worker can verify it.
    NoGridWorker,
    /// Invalid and duplicate cases end by their own actions, not by closing.
    UseRejectOrMerge,
    /// A new deadline must be later than the current one (the limit).
    NotAfterDeadline,
    /// The time is already past.
    NotInFuture,
    /// A dispatch may shorten the category's deadline (the limit), not lengthen it.
    LaterThanCategoryDeadline,
    /// A case cannot be a duplicate of itself.
    SameCase,
    /// The case picked was itself merged into another (the limit names that one).
    MergedElsewhere,
}

impl InputRule {
    pub const ALL: [InputRule; 16] = [
        InputRule::Required,
        InputRule::TooLong,
        InputRule::TooMany,
        InputRule::Unknown,
        InputRule::NotLeaf,
        InputRule::CategoryGone,
        InputRule::NotCoordinate,
        InputRule::GridChannelOnly,
        InputRule::NoteOrPhoto,
        InputRule::NoGridWorker,
        InputRule::UseRejectOrMerge,
        InputRule::NotAfterDeadline,
        InputRule::NotInFuture,
        InputRule::LaterThanCategoryDeadline,
        InputRule::SameCase,
        InputRule::MergedElsewhere,
    ];

    /// The rule in English, with its limit where it has one (the server's message; the
    /// console shows its own words for the rule).
    pub fn message(self, limit: Option<&str>) -> String {
        let limit = limit.unwrap_or("?");
        match self {
            InputRule::Required => "required".into(),
            InputRule::TooLong => format!("longer than {limit} characters"),
            InputRule::TooMany => format!("at most {limit}"),
            InputRule::Unknown => "no such one (or not one you may see)".into(),
            InputRule::NotLeaf => "not a leaf of the category tree".into(),
            InputRule::CategoryGone => "the case's category no longer exists".into(),
            InputRule::NotCoordinate => "not a WGS-84 coordinate".into(),
            InputRule::GridChannelOnly => "a grid worker reports through the grid".into(),
            InputRule::NoteOrPhoto => "say what was done, or attach a photo of it".into(),
            InputRule::NoGridWorker => "the case has no grid worker to verify it".into(),
            InputRule::UseRejectOrMerge => {
                "use reject_invalid or merge_duplicate for invalid or duplicate cases".into()
            }
            InputRule::NotAfterDeadline => {
                format!("must be later than the current deadline ({limit})")
            }
            InputRule::NotInFuture => "must be later than now".into(),
            InputRule::LaterThanCategoryDeadline => {
                format!("may shorten the category's deadline ({limit}), not lengthen it")
            }
            InputRule::SameCase => "name another case".into(),
            InputRule::MergedElsewhere => {
                format!("that case was itself merged into {limit}; pick that one")
            }
        }
    }
}
