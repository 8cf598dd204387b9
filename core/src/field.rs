//! What a grid worker records in the field: patrols (巡查) with their GPS track, findings
//! (发现的问题) with photos, and the photo metadata.
//!
//! Location is stored in the record itself, not only in a photo's EXIF: phones strip EXIF GPS
//! from picked images. A fix the OS flags as mock, or one claiming zero accuracy (which no real
//! receiver reports), is kept but marked, so a supervisor can tell.

use crate::category::CategoryTree;
use crate::ids::{CaseId, CategoryCode, FindingId, GridId, PatrolId, PhotoHash, UserId};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

/// One GPS fix on a patrol track.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackPoint {
    pub t: DateTime<Utc>,
    pub lat: f64,
    pub lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    /// The OS says this fix came from a mock location provider.
    #[serde(default)]
    pub mock: bool,
}

/// How trustworthy a recorded location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LocationQuality {
    Good,
    /// Flagged as mock by the OS.
    Mock,
    /// Claims zero (or no) accuracy: no real receiver does.
    Suspect,
    /// No fix at all.
    Missing,
}

impl LocationQuality {
    pub fn of(lat: Option<f64>, lon: Option<f64>, accuracy_m: Option<f64>, mock: bool) -> Self {
        match (lat, lon) {
            (Some(a), Some(b)) if a.is_finite() && b.is_finite() => {
                if mock {
                    LocationQuality::Mock
                } else if accuracy_m.is_none_or(|acc| acc.is_nan() || acc <= 0.0) {
                    LocationQuality::Suspect
                } else {
                    LocationQuality::Good
                }
            }
            _ => LocationQuality::Missing,
        }
    }
}

impl TrackPoint {
    pub fn quality(&self) -> LocationQuality {
        LocationQuality::of(Some(self.lat), Some(self.lon), self.accuracy_m, self.mock)
    }
}

/// A patrol round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Patrol {
    pub id: PatrolId,
    pub grid_id: GridId,
    pub worker_id: UserId,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

/// The two patrol windows of a day (docs/DESIGN.md §3): a day is covered when both have a patrol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PatrolWindow {
    Morning,
    Afternoon,
}

impl PatrolWindow {
    /// The window as one bit of a set of windows (morning 1, afternoon 2).
    pub fn bit(self) -> u8 {
        match self {
            PatrolWindow::Morning => 1,
            PatrolWindow::Afternoon => 2,
        }
    }
}

/// Local-time bounds of the patrol windows: a patrol counts for the window its start falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatrolWindows {
    pub utc_offset_seconds: i32,
    pub morning_start: NaiveTime,
    /// Also the start of the afternoon window.
    pub noon: NaiveTime,
    pub afternoon_end: NaiveTime,
}

impl Default for PatrolWindows {
    /// 06:00–12:00 and 12:00–20:00, UTC+8.
    fn default() -> Self {
        PatrolWindows {
            utc_offset_seconds: 8 * 3600,
            morning_start: NaiveTime::from_hms_opt(6, 0, 0).expect("valid"),
            noon: NaiveTime::from_hms_opt(12, 0, 0).expect("valid"),
            afternoon_end: NaiveTime::from_hms_opt(20, 0, 0).expect("valid"),
        }
    }
}

impl PatrolWindows {
    /// The local day and window a patrol starting at `t` counts for, if any.
    pub fn classify(&self, t: DateTime<Utc>) -> Option<(NaiveDate, PatrolWindow)> {
        let offset = chrono::FixedOffset::east_opt(self.utc_offset_seconds)?;
        let local = t.with_timezone(&offset);
        let time = local.time();
        let w = if time >= self.morning_start && time < self.noon {
            PatrolWindow::Morning
        } else if time >= self.noon && time < self.afternoon_end {
            PatrolWindow::Afternoon
        } else {
            return None;
        };
        Some((local.date_naive(), w))
    }
}

/// What the worker did about what they saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// 现场处置: fixed there and then.
    ResolvedOnSpot,
    /// Reported as a case for others to work.
    Report,
    /// Noted for the record.
    Note,
}

impl Disposition {
    pub const ALL: [Disposition; 3] = [
        Disposition::ResolvedOnSpot,
        Disposition::Report,
        Disposition::Note,
    ];
}

/// A finding: what was seen, where, when, with photos. Made only by [`Finding::record`], which
/// holds it to the finding rules; read back from storage or a pull as it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub id: FindingId,
    pub grid_id: GridId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrol_id: Option<PatrolId>,
    pub worker_id: UserId,
    pub category_code: CategoryCode,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    #[serde(default)]
    pub mock_location: bool,
    pub observed_at: DateTime<Utc>,
    pub disposition: Disposition,
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
    /// The case this finding opened, made on the device, when the disposition is `report`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    #[serde(default)]
    pub urgent: bool,
}

impl Finding {
    pub fn location_quality(&self) -> LocationQuality {
        LocationQuality::of(self.lat, self.lon, self.accuracy_m, self.mock_location)
    }

    /// The one way a new finding is made, on the device and on the server alike: `draft` is
    /// held to the finding rules ([`FindingDraft::problems`]) and, when it passes, becomes the
    /// finding `id` recorded by `worker_id`.
    pub fn record(
        id: FindingId,
        worker_id: UserId,
        draft: FindingDraft,
        categories: &CategoryTree,
    ) -> Result<Finding, FindingProblems> {
        let problems = draft.problems(categories);
        if !problems.is_empty() {
            return Err(FindingProblems(problems));
        }
        let FindingDraft {
            grid_id,
            patrol_id,
            category_code,
            description,
            lat,
            lon,
            accuracy_m,
            mock_location,
            observed_at,
            disposition,
            photos,
            case_id,
            urgent,
        } = draft;
        Ok(Finding {
            id,
            grid_id,
            patrol_id,
            worker_id,
            category_code,
            description,
            lat,
            lon,
            accuracy_m,
            mock_location,
            observed_at,
            disposition,
            photos,
            case_id,
            urgent,
        })
    }

    /// The finding as its `finding.create` op carries it (everything but its id and worker).
    pub fn draft(&self) -> FindingDraft {
        FindingDraft {
            grid_id: self.grid_id.clone(),
            patrol_id: self.patrol_id.clone(),
            category_code: self.category_code.clone(),
            description: self.description.clone(),
            lat: self.lat,
            lon: self.lon,
            accuracy_m: self.accuracy_m,
            mock_location: self.mock_location,
            observed_at: self.observed_at,
            disposition: self.disposition,
            photos: self.photos.clone(),
            case_id: self.case_id.clone(),
            urgent: self.urgent,
        }
    }
}

/// Fewest characters a description has when it must say something (trimmed; a CJK character
/// or an emoji counts once).
pub const MIN_DESCRIPTION_CHARS: usize = 2;
/// Most characters in a finding's description (trimmed).
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Most photos on one finding, case or action (the phone's picker allows nine).
pub const MAX_PHOTOS: usize = 9;

/// A finding as the worker entered it, before it has an id: also the `data` of the
/// `finding.create` op (docs/DESIGN.md §5; `FindingCreateData` on the wire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingDraft {
    pub grid_id: GridId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrol_id: Option<PatrolId>,
    pub category_code: CategoryCode,
    pub description: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    #[serde(default)]
    pub mock_location: bool,
    pub observed_at: DateTime<Utc>,
    pub disposition: Disposition,
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
    /// Made on the device for a `report`, so the case can be named before the server has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    #[serde(default)]
    pub urgent: bool,
}

/// The part of a finding a rule is about (the form marks that field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FindingField {
    Category,
    Description,
    Photos,
    Location,
    CaseId,
}

/// One finding rule a draft breaks. The rules, decided once (issue 10) and applied by the
/// device store, the server's apply path and the app's form alike:
///
/// - the category is a leaf of the category tree;
/// - the description, trimmed, has at most [`MAX_DESCRIPTION_CHARS`] characters;
/// - a `report` (a case others must act on) says what it is: at least
///   [`MIN_DESCRIPTION_CHARS`] characters;
/// - `resolved_on_spot` and `note` say it too, or leave the description empty and show it in
///   at least one photo (a photo of a cleared drain is the record);
/// - at most [`MAX_PHOTOS`] photos, none twice;
/// - a location has both coordinates, on the globe, with an accuracy of zero or more metres;
/// - a `report` carries the case id made on the device, and only a `report` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FindingRule {
    CategoryRequired,
    CategoryNotLeaf,
    DescriptionTooLong,
    ReportNeedsDescription,
    DescriptionOrPhoto,
    TooManyPhotos,
    DuplicatePhoto,
    LocationIncomplete,
    LocationInvalid,
    AccuracyInvalid,
    CaseIdMissing,
    CaseIdUnexpected,
}

impl FindingRule {
    /// The field the rule is about.
    pub fn field(self) -> FindingField {
        use FindingRule as R;
        match self {
            R::CategoryRequired | R::CategoryNotLeaf => FindingField::Category,
            R::DescriptionTooLong | R::ReportNeedsDescription | R::DescriptionOrPhoto => {
                FindingField::Description
            }
            R::TooManyPhotos | R::DuplicatePhoto => FindingField::Photos,
            R::LocationIncomplete | R::LocationInvalid | R::AccuracyInvalid => {
                FindingField::Location
            }
            R::CaseIdMissing | R::CaseIdUnexpected => FindingField::CaseId,
        }
    }

    /// What to do about it, in English (the UIs show their own text for the rule).
    pub fn message(self) -> String {
        use FindingRule as R;
        match self {
            R::CategoryRequired => "category: pick a category".into(),
            R::CategoryNotLeaf => "category: pick a sub-category of the category tree".into(),
            R::DescriptionTooLong => {
                format!("description: keep it within {MAX_DESCRIPTION_CHARS} characters")
            }
            R::ReportNeedsDescription => format!(
                "description: a reported case needs at least {MIN_DESCRIPTION_CHARS} characters"
            ),
            R::DescriptionOrPhoto => format!(
                "description: write at least {MIN_DESCRIPTION_CHARS} characters, or leave it \
                 empty and attach a photo"
            ),
            R::TooManyPhotos => format!("photos: keep at most {MAX_PHOTOS}"),
            R::DuplicatePhoto => "photos: a photo is attached twice".into(),
            R::LocationIncomplete => {
                "location: send both latitude and longitude, or neither".into()
            }
            R::LocationInvalid => "location: not a WGS-84 latitude and longitude".into(),
            R::AccuracyInvalid => "accuracy_m: a distance in metres, zero or more".into(),
            R::CaseIdMissing => {
                "case_id: a reported finding needs the case id made on the device".into()
            }
            R::CaseIdUnexpected => {
                "case_id: only a finding with the disposition `report` opens a case".into()
            }
        }
    }
}

/// The rules a draft breaks, in [`FindingRule`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingProblems(pub Vec<FindingRule>);

impl fmt::Display for FindingProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let texts: Vec<String> = self.0.iter().map(|r| r.message()).collect();
        f.write_str(&texts.join("; "))
    }
}

impl std::error::Error for FindingProblems {}

impl FindingProblems {
    /// The first problem (the one a single-message answer names).
    pub fn first(&self) -> FindingRule {
        self.0[0]
    }
}

/// Whether `(lat, lon)` is a WGS-84 position.
pub fn is_wgs84(lat: f64, lon: f64) -> bool {
    lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
}

/// Whether an accuracy is a distance in metres (zero or more; absent is fine).
pub fn is_accuracy(accuracy_m: Option<f64>) -> bool {
    accuracy_m.is_none_or(|a| a.is_finite() && a >= 0.0)
}

impl FindingDraft {
    /// Every finding rule this draft breaks (empty when it may be recorded).
    pub fn problems(&self, categories: &CategoryTree) -> Vec<FindingRule> {
        use FindingRule as R;
        let mut out = Vec::new();
        if self.category_code.as_str().trim().is_empty() {
            out.push(R::CategoryRequired);
        } else if categories.leaf(&self.category_code).is_none() {
            out.push(R::CategoryNotLeaf);
        }
        let n = self.description.trim().chars().count();
        if n > MAX_DESCRIPTION_CHARS {
            out.push(R::DescriptionTooLong);
        } else if self.disposition == Disposition::Report && n < MIN_DESCRIPTION_CHARS {
            out.push(R::ReportNeedsDescription);
        } else if n < MIN_DESCRIPTION_CHARS && (n > 0 || self.photos.is_empty()) {
            // Short, and not the one exception: empty, with a photo to show what was seen.
            out.push(R::DescriptionOrPhoto);
        }
        if self.photos.len() > MAX_PHOTOS {
            out.push(R::TooManyPhotos);
        }
        let mut seen = HashSet::new();
        if !self.photos.iter().all(|h| seen.insert(h)) {
            out.push(R::DuplicatePhoto);
        }
        match (self.lat, self.lon) {
            (Some(lat), Some(lon)) if !is_wgs84(lat, lon) => out.push(R::LocationInvalid),
            (Some(_), None) | (None, Some(_)) => out.push(R::LocationIncomplete),
            _ => {}
        }
        if !is_accuracy(self.accuracy_m) {
            out.push(R::AccuracyInvalid);
        }
        match (self.disposition, &self.case_id) {
            (Disposition::Report, None) => out.push(R::CaseIdMissing),
            (Disposition::ResolvedOnSpot | Disposition::Note, Some(_)) => {
                out.push(R::CaseIdUnexpected)
            }
            _ => {}
        }
        out
    }
}

/// What is known of a photo besides its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoMeta {
    pub sha256: PhotoHash,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_id: Option<FindingId>,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// EXIF DateTimeOriginal, as the camera wrote it (local time, no zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<chrono::NaiveDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exif_lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exif_lon: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mock_and_zero_accuracy_fixes_are_marked() {
        assert_eq!(
            LocationQuality::of(Some(40.6), Some(122.5), Some(8.0), false),
            LocationQuality::Good
        );
        assert_eq!(
            LocationQuality::of(Some(40.6), Some(122.5), Some(8.0), true),
            LocationQuality::Mock
        );
        assert_eq!(
            LocationQuality::of(Some(40.6), Some(122.5), Some(0.0), false),
            LocationQuality::Suspect,
            "zero accuracy is what spoofing apps report"
        );
        assert_eq!(
            LocationQuality::of(None, None, None, false),
            LocationQuality::Missing
        );
    }

    #[test]
    fn patrols_fall_into_local_windows() {
        let w = PatrolWindows::default();
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let (d, win) = w.classify(t("2026-11-26T01:30:00Z")).unwrap();
        assert_eq!(
            (d.to_string().as_str(), win),
            ("2026-11-26", PatrolWindow::Morning),
            "09:30 Beijing"
        );
        let (_, win) = w.classify(t("2026-11-26T06:00:00Z")).unwrap();
        assert_eq!(win, PatrolWindow::Afternoon, "14:00 Beijing");
        assert!(
            w.classify(t("2026-11-26T15:00:00Z")).is_none(),
            "23:00 is in neither window"
        );
    }
}
