//! Exports of the case list: CSV for Excel and WPS, GeoJSON for maps. Both take the list's own
//! filters ([`FilterSpec`]), so an export is the list on screen, every page of it.
//!
//! The CSV is what county offices open by double-click: UTF-8 with a byte-order mark (without
//! it Excel reads UTF-8 as the local ANSI code page and the Chinese turns to mojibake), CRLF
//! line ends, Chinese headers, times in Beijing time, and cells that would start a formula
//! quoted with `'` (a description beginning with `=` must not run in the reader's spreadsheet).
//!
//! Exports are streamed: one read takes the list of matching case ids (in the list's order, at
//! most [`EXPORT_LIMIT`]); the body is then written [`EXPORT_PAGE`] cases at a time, each page
//! read in its own short transaction when the client is ready for it. A 200,000-case export
//! holds a few megabytes of ids, not every case at once, and a slow download holds no reader.
//! Each row is the case as it is when its page is read.

use super::cases::{all_matching_ids, CaseSummary, FilterSpec, FILTER_PARAMS};
use super::labels::{state_label, CaseLabels};
use super::query::QueryParams;
use super::time::{local_day, local_text};
use super::tx::read;
use crate::auth::address::ClientIp;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use yiwang_core::case::{Channel, Outcome, Rating};
use yiwang_core::ids::CaseId;
use yiwang_core::sync::ErrorBody;

/// Most cases one export may hold; a county's year is well below it.
pub const EXPORT_LIMIT: u64 = 200_000;

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The CSV columns, in order (columns are only ever added at the end, so a sheet built on the
/// export keeps working).
pub const CSV_HEADERS: [&str; 21] = [
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
    "来源渠道",
    "地址",
    "联系人",
    "超期",
    "督办次数",
];

fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::Grid => "网格上报",
        Channel::Hotline8890 => "8890热线",
        Channel::ServiceHall => "服务大厅",
        Channel::Wechat => "微信",
        Channel::Open311 => "Open311",
    }
}

/// A case as an export writes it: its summary, and the caller's contact (the CSV's 联系人,
/// which the list's summaries do not carry).
struct ExportRow {
    summary: CaseSummary,
    contact: Option<String>,
}

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
fn csv_row(row: &ExportRow) -> [String; 21] {
    let s = &row.summary;
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
        channel_label(s.channel).to_owned(),
        s.address.clone().unwrap_or_default(),
        row.contact.clone().unwrap_or_default(),
        if s.overdue { "是" } else { "否" }.to_owned(),
        s.supervisions.to_string(),
    ]
    .map(|text| cell(&text))
}

/// Cases read and written per page of an export.
pub const EXPORT_PAGE: usize = 500;

/// A streamed download: `prologue`, then each page of `ids` as `render` writes it, then
/// `epilogue`. A page that cannot be read ends the body with an error (the client sees a cut
/// download, never a silently short file).
fn streamed(
    state: AppState,
    ids: Vec<CaseId>,
    prologue: Vec<u8>,
    epilogue: Vec<u8>,
    render: fn(&[ExportRow], bool) -> Result<Vec<u8>, ApiError>,
) -> Body {
    let pages: Vec<Vec<CaseId>> = ids.chunks(EXPORT_PAGE).map(<[CaseId]>::to_vec).collect();
    let parts = Streaming {
        state,
        pages: pages.into_iter(),
        prologue: Some(prologue),
        epilogue: Some(epilogue),
        first: true,
    };
    Body::from_stream(futures_util::stream::unfold(
        parts,
        move |mut p| async move {
            if let Some(bytes) = p.prologue.take() {
                return Some((Ok(bytes), p));
            }
            match p.pages.next() {
                Some(page) => {
                    let first = std::mem::replace(&mut p.first, false);
                    let out = page_of(&p.state, page)
                        .await
                        .and_then(|rows| render(&rows, first))
                        .map_err(|e| {
                            tracing::warn!(error = %e, "an export was cut short");
                            std::io::Error::other(e.to_string())
                        });
                    Some((out, p))
                }
                None => p.epilogue.take().map(|bytes| (Ok(bytes), p)),
            }
        },
    ))
}

struct Streaming {
    state: AppState,
    pages: std::vec::IntoIter<Vec<CaseId>>,
    prologue: Option<Vec<u8>>,
    epilogue: Option<Vec<u8>>,
    first: bool,
}

/// One page of an export: the cases of `ids` as they are now, in the order given.
async fn page_of(state: &AppState, ids: Vec<CaseId>) -> ApiResult<Vec<ExportRow>> {
    let st = state.clone();
    let now = state.now();
    read(state, move |tx| {
        let reference = st.reference(tx)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(c) = tx.case(id)? {
                out.push(ExportRow {
                    summary: CaseSummary::of(&c, &reference, now),
                    contact: c.contact.clone(),
                });
            }
        }
        Ok(out)
    })
    .await
}

fn attachment(content_type: &'static str, filename: String, body: Body) -> Response {
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

/// The ids of the cases the export lists, in the list's order; the export is recorded in the
/// audit log (`action`, with the filter as given and how many cases go out) before the file is
/// handed over.
async fn matching_ids(
    state: &AppState,
    me: AuthUser,
    q: &QueryParams,
    action: &'static str,
    ip: &str,
) -> ApiResult<Vec<CaseId>> {
    q.only(FILTER_PARAMS)?;
    let now = state.now();
    let spec = FilterSpec::parse(q, now)?;
    let st = state.clone();
    let audit = me.audit(now, action, ip);
    let rows: Vec<CaseId> = read(state, move |tx| {
        let reference = st.reference(tx)?;
        all_matching_ids(tx, &reference, &me, &spec, now, EXPORT_LIMIT)
    })
    .await?;
    let mut filter = serde_json::Map::new();
    for (k, v) in &q.0 {
        match filter.get_mut(k) {
            Some(serde_json::Value::String(s)) => *s = format!("{s},{v}"),
            _ => {
                filter.insert(k.clone(), v.clone().into());
            }
        }
    }
    let audit = audit.detail(serde_json::json!({"filter": filter, "cases": rows.len()}));
    state
        .ledger
        .write(move |tx| tx.record_audit(&audit))
        .await?;
    Ok(rows)
}

fn csv_page(rows: &[ExportRow], _first: bool) -> Result<Vec<u8>, ApiError> {
    let fail = |e: csv::Error| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}"));
    // CRLF line ends, as RFC 4180 and Excel expect (the csv crate writes LF by default).
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(rows.len() * 256));
    for s in rows {
        w.write_record(csv_row(s)).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))
}

fn csv_prologue() -> Result<Vec<u8>, ApiError> {
    let mut out = BOM.to_vec();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(&mut out);
    w.write_record(CSV_HEADERS)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    drop(w);
    Ok(out)
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
    ClientIp(ip): ClientIp,
    q: QueryParams,
) -> ApiResult<Response> {
    let ids = matching_ids(&state, me, &q, "export_cases_csv", &ip).await?;
    let day = local_day(state.now()).format("%Y%m%d");
    let body = streamed(state, ids, csv_prologue()?, vec![], csv_page);
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("cases-{day}.csv"),
        body,
    ))
}

fn geojson_page(rows: &[ExportRow], first: bool) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(rows.len() * 512);
    for (i, row) in rows.iter().enumerate() {
        let s = &row.summary;
        if !(first && i == 0) {
            out.push(b',');
        }
        let geometry = match s.location {
            Some(p) => serde_json::json!({"type": "Point", "coordinates": [p.lon, p.lat]}),
            None => serde_json::Value::Null,
        };
        let mut properties = serde_json::to_value(s).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = properties.as_object_mut() {
            obj.remove("location");
            obj.insert("state_label".into(), state_label(s.state).into());
        }
        let feature = serde_json::json!({
            "type": "Feature",
            "id": s.id,
            "geometry": geometry,
            "properties": properties,
        });
        serde_json::to_writer(&mut out, &feature).map_err(|e| ApiError::Internal(e.into()))?;
    }
    Ok(out)
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
    ClientIp(ip): ClientIp,
    q: QueryParams,
) -> ApiResult<Response> {
    let ids = matching_ids(&state, me, &q, "export_cases_geojson", &ip).await?;
    let day = local_day(state.now()).format("%Y%m%d");
    let body = streamed(
        state,
        ids,
        br#"{"type":"FeatureCollection","features":["#.to_vec(),
        b"]}".to_vec(),
        geojson_page,
    );
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
