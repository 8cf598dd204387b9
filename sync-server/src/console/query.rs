//! The console's query strings: every parameter read by name, repeats and comma lists taken,
//! unknown names refused (so a typo is not a silent no-op); and the two answers to bad input.

use crate::error::{ApiError, ApiResult};
use crate::limits::MAX_QUERY_VALUE_CHARS;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use yiwang_core::error::ErrorCode;

/// 400 `invalid_query`: a query parameter the server cannot use.
pub fn invalid_query(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(ErrorCode::InvalidQuery, message)
}

/// 404 `not_found`: a query names a unit, grid, category, department or figure row that does
/// not exist. Well-formed, so not `invalid_query`: like a path to a record that is not there.
pub fn no_such(message: impl Into<String>) -> ApiError {
    ApiError::Protocol {
        status: axum::http::StatusCode::NOT_FOUND,
        code: ErrorCode::NotFound,
        message: message.into(),
    }
}

/// 422 `invalid_input`: a body field the server will not accept.
pub fn invalid_input(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidInput, message)
}

/// The query string as name/value pairs, in order; repeated names are kept. Refusals use our
/// error envelope.
#[derive(Debug, Clone, Default)]
pub struct QueryParams(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let q = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|q| QueryParams(q.0))
            .map_err(|e| invalid_query(e.body_text()))?;
        for (k, v) in &q.0 {
            if k.chars().count() > MAX_QUERY_VALUE_CHARS
                || v.chars().count() > MAX_QUERY_VALUE_CHARS
            {
                return Err(invalid_query(format!(
                    "{}: at most {MAX_QUERY_VALUE_CHARS} characters",
                    k.chars().take(64).collect::<String>()
                )));
            }
        }
        Ok(q)
    }
}

impl QueryParams {
    /// Refuses names outside `known`, so a misspelt filter is an error, not a silent no-op.
    pub fn only(&self, known: &[&str]) -> ApiResult<()> {
        for (k, _) in &self.0 {
            if !known.contains(&k.as_str()) {
                return Err(invalid_query(format!(
                    "unknown query parameter {k:?}; known: {}",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The last non-empty value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// Every value of `name`, repeated or comma-separated.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some("1" | "true" | "yes") => Ok(Some(true)),
            Some("0" | "false" | "no") => Ok(Some(false)),
            Some(v) => Err(invalid_query(format!("{name}: {v:?} is not true or false"))),
        }
    }

    pub fn u64(&self, name: &str) -> ApiResult<Option<u64>> {
        self.get(name)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| invalid_query(format!("{name}: {v:?} is not a whole number")))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_lists_take_repeats_and_commas() {
        let q = QueryParams(vec![
            ("state".into(), "pending,claimed".into()),
            ("state".into(), "closed".into()),
            ("overdue".into(), "maybe".into()),
        ]);
        assert_eq!(q.all("state"), ["pending", "claimed", "closed"]);
        assert!(q.bool("overdue").is_err(), "a bool is true or false");
        assert!(
            q.only(&["state"]).is_err(),
            "an unknown name is refused, so a typo is not a silent no-op"
        );
    }
}
