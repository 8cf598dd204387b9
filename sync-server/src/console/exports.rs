//! Exports of the case list: CSV for Excel and WPS, GeoJSON for maps. Both take the list's own
//! filters ([`FilterSpec`]), so an export is the list on screen, every page of it.
//!
//! The CSV is what county offices open by double-click: UTF-8 with a byte-order mark (without
//! it Excel reads UTF-8 as the local ANSI code page and the Chinese turns to mojibake), CRLF
//! line ends, Chinese headers, times in Beijing time, and cells that would start a formula
//! quoted with `'` (a description beginning with `=` must not run in the reader's spreadsheet).

use super::cases::{all_matching, CaseSummary, FilterSpec, FILTER_PARAMS};
use super::labels::{state_label, CaseLabels};
use super::query::QueryParams;
use super::time::{local_day, local_text};
use super::tx::read;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use yiwang_core::case::{Outcome, Rating};
use yiwang_core::sync::ErrorBody;

/// Most cases one export may hold; a county's year is well below it.
pub const EXPORT_LIMIT: u64 = 200_000;

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The CSV columns, in order.
pub const CSV_HEADERS: [&str; 16] = [
    "案件编号",
    "状态",
    "类别",
    "紧急",
    "描述",
    "网格",
    "社区",
    "街道",
    "当前单位",
    "部门",
    "上报时间",
    "处置时限",
    "结案时间",
    "结果",
    "群众评价",
    "办理人员评价",
];

fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Resolved => "已解决",
        Outcome::ResolvedOnSpot => "现场处置",
        Outcome::Invalid => "不予立案",
        Outcome::Duplicate => "重复件",
    }
}

fn rating_label(r: Rating) -> &'static str {
    match r {
        Rating::Satisfied => "满意",
        Rating::BasicallySatisfied => "基本满意",
        Rating::Dissatisfied => "不满意",
    }
}

/// A cell as text a spreadsheet will not evaluate: one that starts like a formula (OWASP's
/// list, and the full-width signs a Chinese input method types) gets a leading apostrophe.
fn cell(text: &str) -> String {
    if text.starts_with([
        '=', '+', '-', '@', '\t', '\r', '\n', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
    ]) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// One case's row, every cell guarded by [`cell`] (ids too: a device chooses its case ids).
fn csv_row(s: &CaseSummary) -> [String; 16] {
    let l: &CaseLabels = &s.labels;
    let name =
        |n: &Option<super::labels::Named>| n.as_ref().map(|n| n.name.clone()).unwrap_or_default();
    [
        s.id.0.clone(),
        state_label(s.state).to_owned(),
        l.category_name
            .as_deref()
            .map(|n| format!("{} {n}", s.category))
            .unwrap_or_else(|| s.category.0.clone()),
        if s.urgent { "是" } else { "否" }.to_owned(),
        s.description.clone(),
        l.grid_name.clone().unwrap_or_default(),
        name(&l.community),
        name(&l.township),
        l.holder_unit_name
            .clone()
            .unwrap_or_else(|| s.holder_unit.0.clone()),
        l.department_name.clone().unwrap_or_default(),
        local_text(s.reported_at),
        s.deadline.map(local_text).unwrap_or_default(),
        s.closed_at.map(local_text).unwrap_or_default(),
        s.outcome.map(outcome_label).unwrap_or_default().to_owned(),
        s.rating.map(rating_label).unwrap_or_default().to_owned(),
        s.operator_rating
            .map(rating_label)
            .unwrap_or_default()
            .to_owned(),
    ]
    .map(|text| cell(&text))
}

fn attachment(content_type: &'static str, filename: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn matching_summaries(
    state: &AppState,
    me: AuthUser,
    q: &QueryParams,
) -> ApiResult<Vec<CaseSummary>> {
    q.only(FILTER_PARAMS)?;
    let now = state.now();
    let spec = FilterSpec::parse(q, now)?;
    let st = state.clone();
    read(state, move |tx| {
        let reference = st.reference(tx)?;
        let cases = all_matching(tx, &reference, &me, &spec, now, EXPORT_LIMIT)?;
        Ok(cases
            .iter()
            .map(|c| CaseSummary::of(c, &reference, now))
            .collect())
    })
    .await
}

/// `GET /api/v1/exports/cases.csv`: the filtered case list as a spreadsheet.
#[utoipa::path(get, path = "/api/v1/exports/cases.csv", tag = "console",
    params(super::cases::CaseFilterQuery),
    responses((status = 200, description = "text/csv, UTF-8 with BOM, Chinese headers", content_type = "text/csv"),
              (status = 400, body = ErrorBody, description = "invalid_query"), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 422, body = ErrorBody, description = "export_too_large")))]
pub async fn cases_csv(
    State(state): State<AppState>,
    me: AuthUser,
    q: QueryParams,
) -> ApiResult<Response> {
    let rows = matching_summaries(&state, me, &q).await?;
    let mut out = BOM.to_vec();
    {
        // CRLF line ends, as RFC 4180 and Excel expect (the csv crate writes LF by default).
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let fail = |e: csv::Error| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}"));
        w.write_record(CSV_HEADERS).map_err(fail)?;
        for s in &rows {
            w.write_record(csv_row(s)).map_err(fail)?;
        }
        w.flush()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    }
    let day = local_day(state.now()).format("%Y%m%d");
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("cases-{day}.csv"),
        out,
    ))
}

/// `GET /api/v1/exports/cases.geojson`: the filtered cases as a GeoJSON FeatureCollection of
/// points (RFC 7946); a case reported without a location has a `null` geometry.
#[utoipa::path(get, path = "/api/v1/exports/cases.geojson", tag = "console",
    params(super::cases::CaseFilterQuery),
    responses((status = 200, description = "application/geo+json FeatureCollection", content_type = "application/geo+json"),
              (status = 400, body = ErrorBody, description = "invalid_query"), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 422, body = ErrorBody, description = "export_too_large")))]
pub async fn cases_geojson(
    State(state): State<AppState>,
    me: AuthUser,
    q: QueryParams,
) -> ApiResult<Response> {
    let rows = matching_summaries(&state, me, &q).await?;
    let features: Vec<serde_json::Value> = rows
        .iter()
        .map(|s| {
            let geometry = match s.location {
                Some(p) => serde_json::json!({"type": "Point", "coordinates": [p.lon, p.lat]}),
                None => serde_json::Value::Null,
            };
            let mut properties = serde_json::to_value(s).unwrap_or(serde_json::Value::Null);
            if let Some(obj) = properties.as_object_mut() {
                obj.remove("location");
                obj.insert("state_label".into(), state_label(s.state).into());
            }
            serde_json::json!({
                "type": "Feature",
                "id": s.id,
                "geometry": geometry,
                "properties": properties,
            })
        })
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({
        "type": "FeatureCollection",
        "features": features,
    }))
    .map_err(|e| ApiError::Internal(e.into()))?;
    let day = local_day(state.now()).format("%Y%m%d");
    Ok(attachment(
        "application/geo+json",
        format!("cases-{day}.geojson"),
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_start_a_formula_are_quoted() {
        assert_eq!(
            cell("=HYPERLINK(\"x\")"),
            "'=HYPERLINK(\"x\")",
            "no formula runs in the reader's spreadsheet"
        );
        assert_eq!(cell("路灯不亮"), "路灯不亮", "ordinary text is untouched");
        assert_eq!(cell("＝1+1"), "'＝1+1", "a full-width sign too");
        assert_eq!(cell("-3"), "'-3", "a leading minus");
    }
}
