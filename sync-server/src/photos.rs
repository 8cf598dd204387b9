//! Photos: resumable uploads over tus 1.0.0 and the content-addressed photo store.

use crate::state::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
