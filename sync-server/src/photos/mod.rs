//! Photos: evidence pictures, content-addressed by the SHA-256 of their file (docs/DESIGN.md §3, §5).
//!
//! - [`tus`]: resumable uploads (tus 1.0.0) at `/api/v1/photos`; a photo is recorded only once
//!   its whole-file hash matches and its bytes are a picture within [`decode`]'s limits.
//! - [`store`]: the [`PhotoStore`] the files live in (a local folder by default).
//! - `HEAD /api/v1/photos/by-hash/{sha256}`: 200 when stored and the caller may see it, so a
//!   device skips uploading what it could fetch; 404 otherwise.
//! - `GET /api/v1/photos/by-hash/{sha256}` and `…/thumb`: the picture and its 320 px thumbnail,
//!   to those who may see it ([`may_see`]): its uploaders, and whoever sees a finding that lists
//!   it or a case whose events carry it. To anyone else 404, as if it were not stored.
//! - The naming rule ([`unnameable`]): a record may name a stored photo only if its author may
//!   see it, so naming a hash does not make it visible. Content addressing makes them immutable, so they are
//!   cached for a year (privately: the answer depends on who asks).
//! - The photo's metadata reaches the pull log through `storage::photo_log::log_photo`, scoped
//!   like the record that shows it.
//! - [`check`]: the whole decode and thumbnail of each stored photo, after its upload was
//!   acknowledged; a photo that fails it is quarantined (kept, reported), never dropped.
//! - [`sweep`]: the background task that deletes expired uploads and, after a grace, photos
//!   no record names; [`space`]: the free-space probe behind the upload guard (507).

pub mod check;
pub mod decode;
pub mod space;
pub mod store;
pub mod sweep;
pub mod tus;

pub use store::{LocalPhotoStore, PhotoKind, PhotoStore, S3PhotoStore};

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Reference};
use crate::storage::auth::StoredUser;
use crate::storage::photos::PhotoCheck;
use crate::storage::LedgerTx;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{Any, CorsLayer};
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::PhotoHash;
use yiwang_core::org::Actor;
use yiwang_core::sync::ErrorBody;
use yiwang_core::workflow::can_see;

/// Photo and thumbnail files read from the store at once.
static FILE_READS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(16);

/// Stored photos never change (their name is their content): a year, in the asker's cache only.
const IMMUTABLE: &str = "private, max-age=31536000, immutable";

pub fn router() -> Router<AppState> {
    let by_hash = Router::new()
        .route(
            "/api/v1/photos/by-hash/{sha256}",
            get(photo).head(photo_exists),
        )
        .route("/api/v1/photos/by-hash/{sha256}/thumb", get(thumbnail))
        .layer(cors());
    tus::router(cors()).merge(by_hash)
}

/// A browser console on another origin may upload and show photos. Bearer tokens, not cookies,
/// carry the identity, so any origin may ask.
fn cors() -> CorsLayer {
    let mut allow: Vec<HeaderName> = vec![
        header::AUTHORIZATION,
        header::CONTENT_TYPE,
        header::IF_NONE_MATCH,
    ];
    allow.extend(tus::REQUEST_HEADERS);
    let mut expose: Vec<HeaderName> = vec![header::ETAG];
    expose.extend(tus::RESPONSE_HEADERS);
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(allow)
        .expose_headers(expose)
        .max_age(Duration::from_secs(24 * 3600))
}

/// The photo store of this server (`Settings::photo_store`).
pub fn photo_store(state: &AppState) -> Arc<dyn PhotoStore> {
    state.settings.photo_store.clone()
}

/// Whether `user` may fetch the photo: they uploaded it, or they see a finding that lists it
/// (its grid is theirs, or in their unit's subtree) and that its own worker uploaded it for, or
/// a case that carries it (as the workflow's `can_see` decides — which is how departments and
/// the case's own grid worker see photos).
///
/// A finding counts only when its worker is one of the photo's uploaders: a finding is a
/// worker's own record of what they saw, with the photos their device takes and uploads. So a
/// finding that names a hash before its bytes arrive (the device pushes before it uploads)
/// shows the photo only if the same worker's upload follows, never a stranger's upload.
pub fn may_see(
    tx: &mut dyn LedgerTx,
    reference: &Reference,
    user: &StoredUser,
    hash: &PhotoHash,
) -> crate::storage::Result<bool> {
    actor_may_see(tx, reference, &user.actor(), hash)
}

/// [`may_see`] for the user `actor` acts for.
pub fn actor_may_see(
    tx: &mut dyn LedgerTx,
    reference: &Reference,
    actor: &Actor,
    hash: &PhotoHash,
) -> crate::storage::Result<bool> {
    if tx.photo_uploaded_by(hash, &actor.user_id)? {
        return Ok(true);
    }
    let viewer = crate::jurisdiction::viewer_of(tx, actor)?;
    let mut findings = vec![];
    for f in tx.photo_findings(hash)? {
        if tx.photo_uploaded_by(hash, &f.worker_id)? {
            findings.push(f);
        }
    }
    let in_view = |f: &crate::storage::photos::PhotoFinding| {
        viewer.grids.contains(&f.grid_id)
            || viewer
                .path
                .as_deref()
                .is_some_and(|p| f.unit_path.starts_with(p))
    };
    if findings.iter().any(in_view) {
        return Ok(true);
    }
    let mut cases = tx.photo_cases(hash)?;
    cases.extend(findings.into_iter().filter_map(|f| f.case_id));
    cases.sort();
    cases.dedup();
    for id in cases {
        if let Some(case) = tx.case(&id)? {
            if can_see(&case, actor, &reference.org) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The photo naming rule (issue 13): a finding, a case action or an intake may name a stored
/// photo only if its author uploaded it or may already see it ([`actor_may_see`]). A hash that
/// is not stored yet may be named — the device pushes a finding before it uploads its photos,
/// and such a name shows the photo to nobody but the uploader unless the namer's own upload
/// follows (see [`may_see`]). Returns the first photo that may not be named.
pub fn unnameable(
    tx: &mut dyn LedgerTx,
    reference: &Reference,
    actor: &Actor,
    photos: &[PhotoHash],
) -> crate::storage::Result<Option<PhotoHash>> {
    for h in photos {
        if tx.photo(h)?.is_some() && !actor_may_see(tx, reference, actor, h)? {
            return Ok(Some(h.clone()));
        }
    }
    Ok(None)
}

fn parse_hash(raw: &str) -> ApiResult<PhotoHash> {
    PhotoHash::parse(raw).ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::InvalidHash,
            "name the photo by its SHA-256: 64 hex digits",
        )
    })
}

/// `HEAD /api/v1/photos/by-hash/{sha256}`: 200 if stored and the caller may see it
/// ([`may_see`]), 404 otherwise — a stranger does not learn that a hash is stored.
#[utoipa::path(head, path = "/api/v1/photos/by-hash/{sha256}", tag = "photos", responses((status = 200), (status = 404, body = ErrorBody)))]
pub(crate) async fn photo_exists(
    State(state): State<AppState>,
    me: AuthUser,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let hash = parse_hash(&raw)?;
    let stored = visible(&state, &me, &hash).await?;
    let Some((mime, _)) = stored else {
        let mut resp = StatusCode::NOT_FOUND.into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        return Ok(resp);
    };
    let mut resp = StatusCode::OK.into_response();
    let h = resp.headers_mut();
    // It may turn from 404 to 200 any moment: ask again each time.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    Ok(resp)
}

/// The stored photo's type and check, if it is stored and `me` may see it: `None` either way
/// otherwise, so an answer never tells a stranger that a hash is stored.
async fn visible(
    state: &AppState,
    me: &AuthUser,
    hash: &PhotoHash,
) -> ApiResult<Option<(String, PhotoCheck)>> {
    let (h, s, user) = (hash.clone(), state.clone(), me.user.clone());
    Ok(state
        .ledger
        .read(move |tx| {
            let Some(photo) = tx.photo(&h)? else {
                return Ok(None);
            };
            let reference = s.reference(tx)?;
            Ok(may_see(tx, &reference, &user, &h)?.then_some((photo.mime, photo.check)))
        })
        .await?)
}

#[derive(Clone, Copy)]
enum Variant {
    Original,
    Thumbnail,
}

/// `GET /api/v1/photos/by-hash/{sha256}`
#[utoipa::path(get, path = "/api/v1/photos/by-hash/{sha256}", tag = "photos",
    responses((status = 200, content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
pub(crate) async fn photo(
    State(state): State<AppState>,
    me: AuthUser,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    serve(state, me, &raw, &headers, Variant::Original).await
}

/// `GET /api/v1/photos/by-hash/{sha256}/thumb`
#[utoipa::path(get, path = "/api/v1/photos/by-hash/{sha256}/thumb", tag = "photos",
    responses((status = 200, content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
pub(crate) async fn thumbnail(
    State(state): State<AppState>,
    me: AuthUser,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    serve(state, me, &raw, &headers, Variant::Thumbnail).await
}

async fn serve(
    state: AppState,
    me: AuthUser,
    raw: &str,
    headers: &HeaderMap,
    variant: Variant,
) -> ApiResult<Response> {
    let hash = parse_hash(raw)?;
    // Unknown and not yours look the same: 404, so a hash's existence is not given away.
    let Some((_, mut check)) = visible(&state, &me, &hash).await? else {
        return Err(ApiError::NotFound { what: "photo" });
    };
    if matches!(variant, Variant::Thumbnail) {
        if check == PhotoCheck::Pending {
            // Asked for before the checker got to it: made now.
            check = check::ensure_checked(&state, &hash, check::Lane::Now).await?;
        }
        if let PhotoCheck::Quarantined(why) = check {
            return Err(ApiError::unprocessable(
                ErrorCode::CorruptImage,
                format!(
                    "the photo failed to decode after it was uploaded ({why}); it is kept in \
                     quarantine as the device sent it, and has no thumbnail"
                ),
            ));
        }
    }
    let etag = format!(
        "\"{}{}\"",
        hash.as_str(),
        match variant {
            Variant::Original => "",
            Variant::Thumbnail => "-thumb",
        }
    );
    let cache_headers = |resp: &mut Response| {
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
    };
    let revalidating = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if revalidating {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        cache_headers(&mut resp);
        return Ok(resp);
    }
    let store = photo_store(&state);
    // A bounded number of reads at a time (each holds up to a whole photo).
    let _turn = FILE_READS
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let read = match variant {
        Variant::Original => store.get(&hash).await?.map(|(k, b)| (k.mime(), b)),
        Variant::Thumbnail => store
            .thumbnail(&hash)
            .await?
            .map(|b| (PhotoKind::Jpeg.mime(), b)),
    };
    let Some((mime, bytes)) = read else {
        // Recorded in the ledger but missing on disk: the store was damaged or not restored.
        return Err(ApiError::Internal(anyhow::anyhow!(
            "photo {raw} is recorded but its file is missing from the photo store"
        )));
    };
    let mut resp = ([(header::CONTENT_TYPE, mime)], bytes).into_response();
    cache_headers(&mut resp);
    Ok(resp)
}
