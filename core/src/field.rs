//! What a grid worker records in the field: patrols (巡查) with their GPS track, findings
//! (发现的问题) with photos, and the photo metadata.
//!
//! Location is stored in the record itself, not only in a photo's EXIF: phones strip EXIF GPS
//! from picked images. A fix the OS flags as mock, or one claiming zero accuracy (which no real
//! receiver reports), is kept but marked, so a supervisor can tell.

use crate::ids::{CaseId, CategoryCode, FindingId, GridId, PatrolId, PhotoHash, UserId};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// One GPS fix on a patrol track.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
pub struct Patrol {
    pub id: PatrolId,
    pub grid_id: GridId,
    pub worker_id: UserId,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

/// The two patrol windows of a day (DESIGN.md §3): a day is covered when both have a patrol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatrolWindow {
    Morning,
    Afternoon,
}

/// Local-time bounds of the patrol windows: a patrol counts for the window its start falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// 现场处置: fixed there and then.
    ResolvedOnSpot,
    /// Reported as a case for others to work.
    Report,
    /// Noted for the record.
    Note,
}

/// A finding: what was seen, where, when, with photos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// What is known of a photo besides its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
