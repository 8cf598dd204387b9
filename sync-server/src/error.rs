//! One error type for every handler: [`ApiError`] becomes the right status code and the body
//! `{"error": {"code", "message"}}`. Codes are stable snake_case strings the clients branch on;
//! messages say what to do next. Internal details go to the log, never into the response.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use yiwang_core::error::ErrorCode;
use yiwang_core::sync::{ErrorBody, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: ErrorCode, message: String },
    #[error("sign in first")]
    Unauthenticated,
    #[error("the user name or password is wrong")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    /// 403 for a reason the client branches on (`out_of_jurisdiction`, `not_holder`, …).
    #[error("{message}")]
    Denied { code: ErrorCode, message: String },
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("{message}")]
    Conflict { code: ErrorCode, message: String },
    #[error("the sync cursor is no longer valid; pull again from the start")]
    CursorInvalid,
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("{message}")]
    Unprocessable { code: ErrorCode, message: String },
    /// 422 `invalid_input` from the case workflow, with the field, rule and limit.
    #[error("{message}")]
    Input {
        field: yiwang_core::input::InputField,
        rule: yiwang_core::input::InputRule,
        limit: Option<String>,
        message: String,
    },
    /// A status a wire protocol fixes rather than our own taste: tus answers 410 for an expired
    /// upload, 412 for a missing or unsupported `Tus-Resumable` and 415 for a PATCH whose body is
    /// not `application/offset+octet-stream`.
    #[error("{message}")]
    Protocol {
        status: StatusCode,
        code: ErrorCode,
        message: String,
    },
    /// tus checksum mismatch (status 460, from the tus checksum extension).
    #[error("the chunk does not match its checksum; send it again")]
    ChecksumMismatch,
    #[error("the server is busy; try again shortly")]
    Unavailable,
    /// 503 with `Retry-After`: too much of one kind of work waits (password checks).
    #[error("the server is busy; try again in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// Not now, with `Retry-After`: a per-user limit reached (429 `too_many_uploads`) or the
    /// disk nearly full (507 `insufficient_storage`). The same request may succeed later.
    #[error("{message}")]
    TryLater {
        status: StatusCode,
        code: ErrorCode,
        message: String,
        retry_after_secs: u64,
    },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn unprocessable(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Unprocessable {
            code,
            message: message.into(),
        }
    }

    pub fn denied(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Denied {
            code,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::Denied { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::CursorInvalid => StatusCode::PRECONDITION_FAILED,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unprocessable { .. } | ApiError::Input { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Protocol { status, .. } | ApiError::TryLater { status, .. } => *status,
            ApiError::ChecksumMismatch => StatusCode::from_u16(460).expect("valid status"),
            ApiError::Unavailable | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadRequest { code, .. }
            | ApiError::Conflict { code, .. }
            | ApiError::Unprocessable { code, .. }
            | ApiError::Protocol { code, .. }
            | ApiError::TryLater { code, .. }
            | ApiError::Denied { code, .. } => *code,
            ApiError::Input { .. } => ErrorCode::InvalidInput,
            ApiError::Unauthenticated => ErrorCode::Unauthenticated,
            ApiError::BadCredentials => ErrorCode::BadCredentials,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::NotFound { .. } => ErrorCode::NotFound,
            ApiError::CursorInvalid => ErrorCode::CursorInvalid,
            ApiError::TooLarge { .. } => ErrorCode::TooLarge,
            ApiError::Throttled { .. } => ErrorCode::TooManyAttempts,
            ApiError::ChecksumMismatch => ErrorCode::ChecksumMismatch,
            ApiError::Unavailable | ApiError::Busy { .. } => ErrorCode::Unavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

impl From<crate::storage::StorageError> for ApiError {
    fn from(e: crate::storage::StorageError) -> Self {
        use crate::storage::StorageError as S;
        match e {
            S::Busy | S::Abandoned | S::Unavailable(_) => ApiError::Unavailable,
            S::NotFound(what) => ApiError::NotFound { what },
            other => ApiError::Internal(other.into()),
        }
    }
}

/// `Retry-After` of a request the photo store could not serve.
pub const PHOTO_STORE_RETRY_SECS: u64 = 30;

impl From<crate::photos::store::StoreError> for ApiError {
    fn from(e: crate::photos::store::StoreError) -> Self {
        use crate::photos::store::StoreError as S;
        match e {
            S::Unavailable(why) => {
                tracing::warn!(%why, "the photo store is unavailable");
                ApiError::TryLater {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    code: ErrorCode::Unavailable,
                    message: "the photo store is unavailable; try again later. An upload \
                              keeps what was acknowledged before, and the device keeps the photo"
                        .into(),
                    retry_after_secs: PHOTO_STORE_RETRY_SECS,
                }
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let (field, rule, limit) = match &self {
            ApiError::Input {
                field, rule, limit, ..
            } => (Some(*field), Some(*rule), limit.clone()),
            _ => (None, None, None),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().into(),
                message: self.to_string(),
                field,
                rule,
                limit,
            },
        };
        let mut resp = (status, Json(body)).into_response();
        if let ApiError::Throttled { retry_after_secs }
        | ApiError::Busy { retry_after_secs }
        | ApiError::TryLater {
            retry_after_secs, ..
        } = self
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                resp.headers_mut().insert("retry-after", v);
            }
        }
        if matches!(self, ApiError::Unavailable) {
            // The database went away or was busy: a moment is usually enough.
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from_static("5"));
        }
        if matches!(self, ApiError::Unauthenticated | ApiError::BadCredentials) {
            resp.headers_mut()
                .insert("www-authenticate", HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// A JSON body extractor whose refusals use our error envelope (axum's own answers in text).
pub struct JsonBody<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::unprocessable(
                ErrorCode::InvalidBody,
                e.body_text(),
            )),
            Err(JsonRejection::JsonSyntaxError(e)) => {
                Err(ApiError::bad_request(ErrorCode::InvalidJson, e.body_text()))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::Protocol {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code: ErrorCode::InvalidContentType,
                message: "send the body as application/json".into(),
            }),
            Err(JsonRejection::BytesRejection(e)) => {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Err(ApiError::TooLarge {
                        limit: crate::limits::MAX_JSON_BODY as u64,
                    })
                } else {
                    Err(ApiError::bad_request(ErrorCode::InvalidBody, e.body_text()))
                }
            }
            Err(e) => Err(ApiError::bad_request(ErrorCode::InvalidBody, e.body_text())),
        }
    }
}
