//! The story from the county's own article, run through the real workflow and printed as the
//! case's timeline: a grid worker in 富丽社区 finds bare wires on patrol and reports them; the
//! street (钢都街道) has no authority and escalates; the county centre dispatches the case to
//! the power company; it is fixed; the grid worker verifies on site; the case is closed and its
//! hash chain verifies.
//!
//! `cargo run -p yiwang-core --example story`

use chrono::{DateTime, Duration, Utc};
use yiwang_core::calendar::WorkingCalendar;
use yiwang_core::case::{Action, Case, CaseEvent, Channel, NewCase, Rating, RatingSource};
use yiwang_core::category::{builtin_departments, CategoryTree};
use yiwang_core::ids::CaseId;
use yiwang_core::ledger::verify_chain;
use yiwang_core::org::{Actor, Affiliation, Grid, GridKind, OrgLevel, OrgTree, OrgUnit, Role};
use yiwang_core::workflow::{available_actions, decide, Context};

fn unit(id: &str, name: &str, parent: Option<&str>, level: OrgLevel) -> OrgUnit {
    OrgUnit {
        id: id.into(),
        parent_id: parent.map(Into::into),
        name: name.into(),
        level,
    }
}

fn person(id: &str, role: Role, aff: Affiliation, grids: &[&str]) -> Actor {
    Actor {
        user_id: id.into(),
        role,
        affiliation: aff,
        grid_ids: grids.iter().map(|g| (*g).into()).collect(),
    }
}

fn main() -> anyhow::Result<()> {
    let org = OrgTree::new(
        [
            unit("210882", "大石桥市", None, OrgLevel::County),
            unit("210882001", "钢都街道", Some("210882"), OrgLevel::Township),
            unit(
                "210882001003",
                "富丽社区",
                Some("210882001"),
                OrgLevel::Community,
            ),
        ],
        [Grid {
            id: "210882001003-07".into(),
            name: "富丽社区第7网格".into(),
            kind: GridKind::UrbanRural,
            community_id: "210882001003".into(),
            polygon: serde_json::Value::Null,
            worker_id: Some("worker-0007".into()),
        }],
        builtin_departments(),
    )?;
    let categories = CategoryTree::builtin();
    let calendar = WorkingCalendar::china();
    let worker = person(
        "worker-0007",
        Role::GridWorker,
        Affiliation::Unit("210882001003".into()),
        &["210882001003-07"],
    );
    let community = person(
        "community-003",
        Role::Community,
        Affiliation::Unit("210882001003".into()),
        &[],
    );
    let street = person(
        "township-01",
        Role::Township,
        Affiliation::Unit("210882001".into()),
        &[],
    );
    let center = person(
        "center",
        Role::Center,
        Affiliation::Unit("210882".into()),
        &[],
    );
    let power = person(
        "dept-01",
        Role::Department,
        Affiliation::Department("power".into()),
        &[],
    );

    let mut now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-26T09:12:00+08:00")?.into();
    let id = CaseId::from("0193-demo-0001");
    let mut case: Option<Case> = None;
    let mut events: Vec<CaseEvent> = vec![];
    let steps: Vec<(i64, Action, &Actor)> = vec![
        (
            0,
            Action::Report(NewCase {
                channel: Channel::Grid,
                category: "01.02".into(),
                urgent: false,
                description: "巡查发现3号楼东侧电线裸露，离地不足两米，存在安全隐患".into(),
                location: None,
                address: Some("富丽社区3号楼东侧".into()),
                grid_id: Some("210882001003-07".into()),
                unit: None,
                finding_id: None,
                photos: vec![],
                contact: None,
            }),
            &worker,
        ),
        (20, Action::Claim { note: None }, &community),
        (
            5,
            Action::Escalate {
                note: Some("社区无此项处置权限".into()),
            },
            &community,
        ),
        (30, Action::Claim { note: None }, &street),
        (
            10,
            Action::Escalate {
                note: Some("街道无此项处置权限".into()),
            },
            &street,
        ),
        (15, Action::Claim { note: None }, &center),
        (
            5,
            Action::Dispatch {
                deadline: None,
                department: None,
                note: Some("请供电公司处置".into()),
            },
            &center,
        ),
        (40, Action::Accept { note: None }, &power),
        (
            150,
            Action::ReportHandled {
                note: Some("已更换绝缘线并加装护管".into()),
                photos: vec![],
            },
            &power,
        ),
        (
            20,
            Action::AssignVerify {
                note: Some("请网格员现场核查".into()),
            },
            &center,
        ),
        (
            60,
            Action::VerifyPass {
                note: Some("现场核查，已整改到位".into()),
                photos: vec![],
            },
            &worker,
        ),
        (
            30,
            Action::Rate {
                rating: Rating::Satisfied,
                source: RatingSource::Resident,
                note: Some("居民表示满意".into()),
            },
            &center,
        ),
    ];
    let ctx = |now| Context {
        org: &org,
        categories: &categories,
        calendar: &calendar,
        now,
        related: None,
    };
    for (minutes, action, actor) in steps {
        now += Duration::minutes(minutes);
        let base = case.as_ref().map_or(0, |c| c.version);
        let e = decide(case.as_ref(), &id, base, &action, actor, &ctx(now))?;
        let c = Case::apply(case.take(), &e)?;
        let local =
            e.at.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
        println!(
            "{}  {:<16} {:<14} → {:<11} at {:<13} {}",
            local.format("%m-%d %H:%M"),
            e.action.kind().as_str(),
            actor.user_id,
            c.state.as_str(),
            c.department
                .as_ref()
                .map_or(c.holder_unit.as_str(), |d| d.as_str()),
            e.action.note().unwrap_or("")
        );
        if let Some(d) = c
            .deadline
            .filter(|_| e.action.kind().as_str() == "dispatch")
        {
            let local = d.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
            println!("{:>19} deadline {}", "", local.format("%Y-%m-%d %H:%M"));
        }
        events.push(e);
        case = Some(c);
    }
    let case = case.expect("the story reported a case");
    verify_chain(&id, &events, Some((case.version, &case.head_hash)))?;
    println!(
        "\ncase {} closed ({:?}), {} events, chain verified; head {}",
        case.id,
        case.outcome.expect("closed"),
        case.version,
        &case.head_hash[..16]
    );
    println!(
        "the centre may still: {:?}",
        available_actions(&case, &center, &org)
    );
    Ok(())
}
