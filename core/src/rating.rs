//! Ratings (回访评价): the verdict on a closed case, and whose verdict it is.
//!
//! A case carries at most one rating of each [`RatingSource`]: the resident's (群众评价, taken
//! by an operator on a follow-up call or through a resident channel) and the operator's own
//! assessment (办理人员评价). The satisfaction figure (满意率) counts the resident's where there
//! is one, else the operator's (see [`crate::measures`]).

use serde::{Deserialize, Serialize};

/// The verdict when the case is followed up (回访).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 满意
    Satisfied,
    /// 基本满意
    BasicallySatisfied,
    /// 不满意
    Dissatisfied,
}

impl Rating {
    pub const ALL: [Rating; 3] = [
        Rating::Satisfied,
        Rating::BasicallySatisfied,
        Rating::Dissatisfied,
    ];

    /// 满意 or 基本满意: what the satisfaction rate counts as satisfied.
    pub fn is_satisfied(self) -> bool {
        matches!(self, Rating::Satisfied | Rating::BasicallySatisfied)
    }
}

/// Whose verdict a rating records.
///
/// Events written before ratings were marked carry no source; they read as
/// [`RatingSource::Resident`]: the console offered rating as 回访评价, the resident's answer on
/// a follow-up call. A resident rating is written without the field, so those old events keep
/// their hashes and new ones look the same.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RatingSource {
    /// 群众评价: the resident's answer, recorded by an operator (回访 call, resident channel).
    #[default]
    Resident,
    /// 办理人员评价: the operator's own assessment of how the case was handled.
    Operator,
}

impl RatingSource {
    pub const ALL: [RatingSource; 2] = [RatingSource::Resident, RatingSource::Operator];

    /// For `skip_serializing_if`: the resident source is the default and is not written.
    pub fn is_resident(&self) -> bool {
        *self == RatingSource::Resident
    }
}
