//! The field-work methods of [`WorkerApp`]: home, patrols, photos, findings, cases and on-site
//! verification.

use chrono::{DateTime, FixedOffset, Utc};
use yiwang_core::case::{Action, ActionKind, Case, CaseState};
use yiwang_core::error::ErrorCode;
use yiwang_core::field::{FindingDraft, PatrolWindow, PatrolWindows, PhotoMeta, TrackPoint};
use yiwang_core::ids::{CaseId, CategoryCode, GridId, PatrolId, PhotoHash};
use yiwang_core::sync::{CaseActionData, OpType, UserInfo};
use yiwang_core::workflow::{permits, MAX_PHOTOS};

use super::present::{self, rfc3339, Reference};
use super::views::{
    CaseDetail, CaseSummary, CategoryView, FindingInput, FindingView, HomeView, PatrolSlot,
    PatrolView, PhotoView, TrackPointInput, VerifyInput,
};
use super::{AppError, AppResult, WorkerApp};
use crate::photo::Watermark;
use crate::store::{CaseFilter, FindingFilter, OutboxState, PatrolRow};
use crate::sync::Trigger;

/// The most findings one list returns.
const MAX_LISTED_FINDINGS: u32 = 200;
/// The most track points one call may add (a minute of fixes at 1 Hz is 60).
const MAX_POINTS_PER_CALL: usize = 2000;

fn parse_hash(field: &str, s: &str) -> AppResult<PhotoHash> {
    PhotoHash::parse(s.trim()).ok_or_else(|| {
        AppError::invalid(format!(
            "{field}: {s:?} is not the SHA-256 of a photo on this device"
        ))
    })
}

fn parse_hashes(hashes: &[String]) -> AppResult<Vec<PhotoHash>> {
    if hashes.len() > MAX_PHOTOS {
        return Err(AppError::new(
            ErrorCode::TooManyPhotos,
            format!(
                "{} photos is too many; keep at most {MAX_PHOTOS}",
                hashes.len()
            ),
        ));
    }
    hashes.iter().map(|h| parse_hash("photos", h)).collect()
}

/// The county's local time, for the watermark (the patrol windows' offset, UTC+8).
fn local_offset() -> FixedOffset {
    FixedOffset::east_opt(PatrolWindows::default().utc_offset_seconds)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC is an offset"))
}

impl WorkerApp {
    fn now(&self) -> DateTime<Utc> {
        self.store.clock_now()
    }

    fn reference(&self) -> AppResult<Reference> {
        Reference::load(&self.store, self.english())
    }

    fn my_grid(&self, user: &UserInfo) -> AppResult<GridId> {
        user.grid_ids.first().cloned().ok_or_else(|| {
            AppError::new(
                ErrorCode::NoGrid,
                format!(
                    "{} has no grid to patrol; ask the community to assign one, then sign in again",
                    user.username
                ),
            )
        })
    }

    // ---- home and reference -------------------------------------------------------------

    /// `home`.
    pub fn home(&self) -> AppResult<HomeView> {
        let session = self.session()?;
        let user = &session.user;
        let reference = self.reference()?;
        let windows = PatrolWindows::default();
        let mine: Vec<PatrolRow> = self
            .store
            .patrols_today()?
            .into_iter()
            .filter(|r| r.patrol.worker_id == user.id)
            .collect();
        let today = [PatrolWindow::Morning, PatrolWindow::Afternoon]
            .into_iter()
            .map(|w| {
                let in_window: Vec<&PatrolRow> = mine
                    .iter()
                    .filter(|r| windows.classify(r.patrol.started_at).map(|(_, x)| x) == Some(w))
                    .collect();
                let open = in_window.iter().find(|r| r.patrol.ended_at.is_none());
                let done = in_window.iter().rev().find(|r| r.patrol.ended_at.is_some());
                PatrolSlot {
                    window: w,
                    done: done.is_some(),
                    in_progress: open.is_some(),
                    patrol_id: open.or(done).map(|r| r.patrol.id.clone()),
                }
            })
            .collect();
        let counts = self.store.outbox_counts()?;
        let cases = self.cases_of(user)?;
        let verification_tasks = self.verification_cases(user, &reference, &cases).len();
        Ok(HomeView {
            display_name: user.display_name.clone(),
            grid: user
                .grid_ids
                .first()
                .map(|g| reference.grid_view(g.as_str())),
            today,
            open_patrol: self.current_patrol()?,
            waiting_sync: u32::try_from(counts.waiting).unwrap_or(u32::MAX),
            rejected: u32::try_from(counts.rejected).unwrap_or(u32::MAX),
            online: self.online.load(std::sync::atomic::Ordering::Relaxed),
            last_sync_at: self.store.last_sync_at()?.map(rfc3339),
            verification_tasks: u32::try_from(verification_tasks).unwrap_or(u32::MAX),
            my_open_cases: u32::try_from(
                cases
                    .iter()
                    .filter(|c| c.state != CaseState::Closed)
                    .count(),
            )
            .unwrap_or(u32::MAX),
        })
    }

    /// `categories`: every node, classes before their leaves.
    pub fn categories(&self) -> AppResult<Vec<CategoryView>> {
        Ok(self.reference()?.category_views())
    }

    // ---- patrols ------------------------------------------------------------------------

    fn patrol_view(&self, row: &PatrolRow, reference: &Reference) -> AppResult<PatrolView> {
        let p = &row.patrol;
        let points = self.store.track(&p.id)?;
        let track: Vec<[f64; 2]> = points.iter().map(|t| [t.lat, t.lon]).collect();
        let end = p.ended_at.unwrap_or_else(|| self.now());
        let elapsed = (end - p.started_at).num_seconds().max(0);
        let findings = self.store.findings(&FindingFilter {
            patrol_id: Some(p.id.clone()),
            grid_id: None,
            limit: Some(MAX_LISTED_FINDINGS),
        })?;
        Ok(PatrolView {
            id: p.id.clone(),
            grid_id: p.grid_id.clone(),
            started_at: rfc3339(p.started_at),
            ended_at: p.ended_at.map(rfc3339),
            elapsed_seconds: u32::try_from(elapsed).unwrap_or(u32::MAX),
            distance_m: present::track_length_m(&track),
            points: u32::try_from(track.len()).unwrap_or(u32::MAX),
            track,
            findings: findings
                .iter()
                .map(|f| present::finding_view(&self.store, reference, f))
                .collect::<AppResult<_>>()?,
            sync: present::sync_mark(&row.sync).0,
        })
    }

    fn patrol_by_id(&self, patrol_id: &str) -> AppResult<PatrolView> {
        let row = self.store.patrol(&PatrolId::new(patrol_id))?;
        self.patrol_view(&row, &self.reference()?)
    }

    /// `start_patrol`: a patrol of my grid; `patrol_open` while one is open.
    pub fn start_patrol(&self) -> AppResult<PatrolView> {
        let session = self.session()?;
        let grid = self.my_grid(&session.user)?;
        let patrol = self.store.start_patrol(&grid, self.now())?;
        // The supervisor's coverage map shows a patrol once it reaches the server.
        self.wake(Trigger::FindingRecorded)?;
        self.patrol_by_id(patrol.id.as_str())
    }

    /// `current_patrol`: my open patrol on this device, if any.
    pub fn current_patrol(&self) -> AppResult<Option<PatrolView>> {
        match self.store.open_patrol()? {
            Some(row) => Ok(Some(self.patrol_view(&row, &self.reference()?)?)),
            None => Ok(None),
        }
    }

    /// `add_track_points`.
    pub fn add_track_points(
        &self,
        patrol_id: &str,
        points: &[TrackPointInput],
    ) -> AppResult<PatrolView> {
        if points.len() > MAX_POINTS_PER_CALL {
            return Err(AppError::invalid(format!(
                "{} points in one call is too many; send at most {MAX_POINTS_PER_CALL}",
                points.len()
            )));
        }
        let points: Vec<TrackPoint> = points
            .iter()
            .map(|p| {
                let t = DateTime::parse_from_rfc3339(&p.t)
                    .map_err(|e| AppError::invalid(format!("points: time {:?} ({e})", p.t)))?
                    .with_timezone(&Utc);
                Ok(TrackPoint {
                    t,
                    lat: p.lat,
                    lon: p.lon,
                    accuracy_m: p.accuracy_m,
                    mock: p.mock,
                })
            })
            .collect::<AppResult<_>>()?;
        let id = PatrolId::new(patrol_id);
        self.store.add_track_points(&id, &points)?;
        self.patrol_by_id(patrol_id)
    }

    /// `end_patrol`.
    pub fn end_patrol(&self, patrol_id: &str) -> AppResult<PatrolView> {
        self.store
            .end_patrol(&PatrolId::new(patrol_id), self.now())?;
        self.wake(Trigger::FindingRecorded)?;
        self.patrol_by_id(patrol_id)
    }

    // ---- photos and findings ------------------------------------------------------------

    /// `add_photo`: runs the pipeline (with the evidence watermark when the setting is on),
    /// stores the file and records the photo. `lat`/`lon` are the fix when it was taken.
    pub fn add_photo(
        &self,
        bytes: &[u8],
        lat: Option<f64>,
        lon: Option<f64>,
    ) -> AppResult<PhotoView> {
        let session = self.session()?;
        if bytes.is_empty() {
            return Err(AppError::new(
                ErrorCode::PhotoUnreadable,
                "the photo file is empty; take it again",
            ));
        }
        let watermark = if self.settings()?.watermark {
            let reference = self.reference()?;
            let grid = session
                .user
                .grid_ids
                .first()
                .map(|g| reference.grid_name(g.as_str()))
                .unwrap_or_default();
            let place = match (lat, lon) {
                (Some(a), Some(b)) if a.is_finite() && b.is_finite() => format!(
                    "{:.5}°{} {:.5}°{}",
                    a.abs(),
                    if a >= 0.0 { "N" } else { "S" },
                    b.abs(),
                    if b >= 0.0 { "E" } else { "W" }
                ),
                _ => String::new(),
            };
            Some(Watermark {
                taken_at: self
                    .now()
                    .with_timezone(&local_offset())
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                grid,
                place,
                worker: format!("{} {}", session.user.display_name, session.user.username),
            })
        } else {
            None
        };
        let processed = self.pipeline.process(bytes, watermark.as_ref())?;
        let path = self.files.put(&processed)?;
        let thumb = self.files.thumb_path(&processed.hash);
        let meta = PhotoMeta {
            sha256: processed.hash.clone(),
            finding_id: None,
            width: processed.width,
            height: processed.height,
            bytes: processed.jpeg.len() as u64,
            taken_at: processed.exif.taken_at,
            exif_lat: processed.exif.gps.map(|g| g.0),
            exif_lon: processed.exif.gps.map(|g| g.1),
        };
        let row = self.store.record_photo(&meta, &path, &thumb)?;
        Ok(present::photo_view(&row, false))
    }

    /// `photo`: the whole picture as a data URL, for the lightbox.
    pub fn photo(&self, sha256: &str) -> AppResult<PhotoView> {
        let hash = parse_hash("sha256", sha256)?;
        let row = self.store.photo(&hash)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("photo {hash} is not on this device"),
            )
        })?;
        Ok(present::photo_view(&row, true))
    }

    /// `save_finding`: recorded at once, locally; the agent sends it a few seconds later.
    pub fn save_finding(&self, input: &FindingInput) -> AppResult<FindingView> {
        let session = self.session()?;
        let photos = parse_hashes(&input.photos)?;
        let patrol_id = input
            .patrol_id
            .as_ref()
            .map(|p| p.as_str().trim())
            .filter(|p| !p.is_empty())
            .map(PatrolId::new);
        let grid_id = match &patrol_id {
            Some(p) => self.store.patrol(p)?.patrol.grid_id,
            None => self.my_grid(&session.user)?,
        };
        let finding = self.store.create_finding(FindingDraft {
            grid_id,
            patrol_id,
            category_code: CategoryCode::new(input.category_code.as_str().trim()),
            description: input.description.trim().to_owned(),
            lat: input.lat,
            lon: input.lon,
            accuracy_m: input.accuracy_m,
            mock_location: input.mock_location,
            observed_at: self.now(),
            disposition: input.disposition,
            photos,
            case_id: None,
            urgent: input.urgent,
        })?;
        self.wake(Trigger::FindingRecorded)?;
        self.refresh_sync_view();
        let row = self.store.finding(&finding.id)?;
        present::finding_view(&self.store, &self.reference()?, &row)
    }

    /// `findings`: newest first, at most 200; of one patrol when named.
    pub fn findings(&self, patrol_id: Option<&str>) -> AppResult<Vec<FindingView>> {
        let reference = self.reference()?;
        self.store
            .findings(&FindingFilter {
                patrol_id: patrol_id.filter(|p| !p.is_empty()).map(PatrolId::new),
                grid_id: None,
                limit: Some(MAX_LISTED_FINDINGS),
            })?
            .iter()
            .map(|f| present::finding_view(&self.store, &reference, f))
            .collect()
    }

    // ---- cases --------------------------------------------------------------------------

    /// The pulled cases of the user's grids, newest report first.
    fn cases_of(&self, user: &UserInfo) -> AppResult<Vec<Case>> {
        let mut cases = Vec::new();
        for g in &user.grid_ids {
            cases.extend(self.store.cases(&CaseFilter {
                grid_id: Some(g.clone()),
                ..CaseFilter::default()
            })?);
        }
        cases.sort_by(|a, b| b.reported_at.cmp(&a.reported_at).then(b.id.cmp(&a.id)));
        cases.dedup_by(|a, b| a.id == b.id);
        Ok(cases)
    }

    fn verification_cases<'a>(
        &self,
        user: &UserInfo,
        reference: &Reference,
        cases: &'a [Case],
    ) -> Vec<&'a Case> {
        let actor = user.actor();
        cases
            .iter()
            .filter(|c| permits(c, ActionKind::VerifyPass, &actor, &reference.org).is_ok())
            .collect()
    }

    /// `my_cases`.
    pub fn my_cases(&self) -> AppResult<Vec<CaseSummary>> {
        let session = self.session()?;
        let reference = self.reference()?;
        let now = self.now();
        self.cases_of(&session.user)?
            .iter()
            .map(|c| present::case_summary(&self.store, &reference, c, now))
            .collect()
    }

    /// `verification_tasks`: cases of my grid waiting for me to check on site.
    pub fn verification_tasks(&self) -> AppResult<Vec<CaseSummary>> {
        let session = self.session()?;
        let reference = self.reference()?;
        let now = self.now();
        let cases = self.cases_of(&session.user)?;
        self.verification_cases(&session.user, &reference, &cases)
            .into_iter()
            .map(|c| present::case_summary(&self.store, &reference, c, now))
            .collect()
    }

    /// `case_detail`.
    pub fn case_detail(&self, case_id: &str) -> AppResult<CaseDetail> {
        let session = self.session()?;
        let reference = self.reference()?;
        let id = CaseId::new(case_id.trim());
        let case = self.store.case(&id)?;
        let events = self.store.case_events(&id)?;
        let actor = session.user.actor();
        let pending = self
            .store
            .outbox_for(id.as_str())?
            .iter()
            .filter(|e| e.state != OutboxState::Sent)
            .map(|e| present::outbox_item(&self.store, &reference, e))
            .collect();
        Ok(CaseDetail {
            summary: present::case_summary(&self.store, &reference, &case, self.now())?,
            outcome: case.outcome,
            address: case.address.clone(),
            lat: case.location.map(|l| l.lat),
            lon: case.location.map(|l| l.lon),
            grid_name: case
                .grid_id
                .as_ref()
                .map(|g| reference.grid_name(g.as_str())),
            timeline: present::timeline(&self.store, &reference, &events, &session.user)?,
            chain_verified: present::chain_verified(&id, &case, &events),
            can_verify: permits(&case, ActionKind::VerifyPass, &actor, &reference.org).is_ok(),
            pending,
        })
    }

    /// `verify_case`: queues `verify_pass` or `verify_fail` (a note is required then) on the
    /// version of the case this device holds. The server decides; a stale decision comes
    /// back rejected and is shown.
    pub fn verify_case(&self, input: &VerifyInput) -> AppResult<CaseDetail> {
        let session = self.session()?;
        let photos = parse_hashes(&input.photos)?;
        let note = input.note.trim();
        if !input.passed && note.is_empty() {
            return Err(AppError::invalid(
                "note: say what is still wrong, so the department knows what to redo",
            ));
        }
        let id = CaseId::new(input.case_id.as_str().trim());
        let case = self.store.case(&id)?;
        let kind = if input.passed {
            ActionKind::VerifyPass
        } else {
            ActionKind::VerifyFail
        };
        permits(&case, kind, &session.user.actor(), &self.reference()?.org)?;
        let already = self
            .store
            .outbox_for(id.as_str())?
            .into_iter()
            .any(|e| e.state == OutboxState::Waiting && e.op.op_type == OpType::CaseAction);
        if already {
            return Err(AppError::new(
                ErrorCode::StaleState,
                "a decision on this case already waits to be sent; sync first",
            ));
        }
        let note = (!note.is_empty()).then(|| note.to_owned());
        let action = if input.passed {
            Action::VerifyPass { note, photos }
        } else {
            Action::VerifyFail { note, photos }
        };
        self.store.queue_case_action(
            &id,
            &CaseActionData {
                base_version: case.version,
                action,
            },
        )?;
        self.wake(Trigger::FindingRecorded)?;
        self.refresh_sync_view();
        self.case_detail(id.as_str())
    }
}
