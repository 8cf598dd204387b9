//! The reference county (docs/DESIGN.md §8), for demos and benchmarks.
//!
//! [`reference_plan`] draws the county the system was first described for: 17 townships and
//! streets, 283 villages and communities, 1,798 grids (1,480 urban-rural, 69 school, 249
//! enterprise) tiled as rectangles around 40.63 N 122.50 E. [`seed_history`] then gives it a
//! past: about eleven thousand cases over ninety days, each one driven through the real workflow
//! ([`crate::casework::act`]) by the people who would really have acted — grid workers report,
//! communities claim, resolve or escalate, townships dispatch, departments accept, ask for more
//! time and report back, grid workers verify on site, operators close and rate — on a clock that
//! runs forward for each case. Nothing about the figures is stored: the console derives every
//! rate from these events, as it would for a real county.
//!
//! [`seed_demo`] does all of it in one write transaction, so a demo folder is either the whole
//! county or nothing. Everything is drawn from fixed seeds: the same plan every time, and the
//! same history relative to the moment it is seeded.

use crate::casework::act;
use crate::seed::{seed_county, CommunityPlan, CountyPlan, GridPlan, Seeded, TownshipPlan};
use crate::state::Reference;
use crate::storage::auth::StoredUser;
use crate::storage::{Ledger, LedgerTx, Result, StorageError};
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use yiwang_core::calendar::WorkingCalendar;
use yiwang_core::case::{Action, Case, CaseState, Channel, GeoPoint, NewCase, Rating};
use yiwang_core::category::Category;
use yiwang_core::field::{Disposition, TrackPoint};
use yiwang_core::ids::{CaseId, DepartmentId, DeviceId, GridId, OpId, OrgUnitId, PatrolId};
use yiwang_core::org::{Actor, GridKind, Role};
use yiwang_core::sync::{
    FindingCreateData, Op, OpStatus, OpType, PatrolEndData, PatrolStartData, PatrolTrackData,
};

/// The county's administrative code (大石桥市).
pub const COUNTY_ID: &str = "210882";
/// Where the county's grids are tiled around (latitude, longitude).
pub const CENTRE: (f64, f64) = (40.63, 122.50);
/// The demo users' password. It works only while the server runs in demo mode.
pub const DEMO_PASSWORD: &str = "demo";
/// Meta key set when a demo county has been seeded completely.
pub const SEEDED_META_KEY: &str = "demo_seeded_at";

/// Grid counts the reference county must have, by kind (docs/DESIGN.md §1).
pub const URBAN_RURAL_GRIDS: usize = 1480;
pub const SCHOOL_GRIDS: usize = 69;
pub const ENTERPRISE_GRIDS: usize = 249;

/// Seed of the plan: the county is the same on every machine.
const PLAN_SEED: u64 = 0x0021_0882;

/// What kind of township a unit is: streets (街道) hold communities, towns (镇) hold villages,
/// and the development zone holds mostly enterprises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TownshipKind {
    Street,
    Zone,
    Town,
}

/// The 17 townships and streets, with how many communities or villages each holds (283).
const TOWNSHIPS: [(&str, TownshipKind, usize); 17] = [
    ("钢都街道", TownshipKind::Street, 24),
    ("石桥街道", TownshipKind::Street, 22),
    ("金桥街道", TownshipKind::Street, 22),
    ("青花街道", TownshipKind::Street, 21),
    ("镁都街道", TownshipKind::Street, 20),
    ("南楼经济开发区", TownshipKind::Zone, 14),
    ("水源镇", TownshipKind::Town, 16),
    ("沟沿镇", TownshipKind::Town, 15),
    ("石佛镇", TownshipKind::Town, 15),
    ("高坎镇", TownshipKind::Town, 15),
    ("旗口镇", TownshipKind::Town, 15),
    ("虎庄镇", TownshipKind::Town, 14),
    ("官屯镇", TownshipKind::Town, 14),
    ("博洛铺镇", TownshipKind::Town, 14),
    ("永安镇", TownshipKind::Town, 14),
    ("汤池镇", TownshipKind::Town, 14),
    ("黄土岭镇", TownshipKind::Town, 14),
];

/// Names of urban communities (社区); the streets and the zone take them in order.
const COMMUNITY_NAMES: &str = concat!(
    "富丽 石桥 胜利 建设 光明 新华 和平 幸福 民主 团结 东升 西湖 南园 ",
    "北苑 青年 文化 育才 朝阳 长兴 金都 钢城 铁东 振兴 繁荣 康乐 安居 ",
    "阳光 翠湖 锦绣 春华 向阳 红旗 前进 永乐 福泰 滨河 桥西 桥东 站前 ",
    "工农 兴隆 镁城 金桥 青花 百寨 花园 玉泉 龙泉 碧水 新兴 明珠 嘉禾 ",
    "和谐 宏伟 丰收 景苑 泰和 祥和 盛世 万福 吉祥 紫荆 海棠 丁香 银杏 ",
    "松涛 柳岸 芳草 凤鸣 龙湾 星河 月湖 日升 春晖 晨光 瑞丰 恒安 德胜 ",
    "顺达 广厦 新城 学府 书香 翰林 博文 英华 双拥 友谊 劳动 工人 矿山 ",
    "鑫源 金泰 富民 惠民 利民 安康 长青 绿洲 兰亭 荷花 梨园 杏林 桃源 ",
    "枫林 竹园 梅园 湖滨 河畔 南湖 北湖 东湖 西城 东城 南关 北关 园林 ",
    "铁西 红星 曙光 黎明 跃进 解放 中心 平安 公园"
);

/// Village names are a family name with a place word (王家堡村, 李家沟村, …).
const VILLAGE_FAMILIES: &str = concat!(
    "王家 李家 张家 刘家 赵家 孙家 周家 吴家 郑家 何家 高家 马家 于家 ",
    "董家 曲家 邢家 杨家 徐家 韩家 冯家 宋家 唐家 许家 邓家 傅家 沈家 ",
    "曹家 彭家 袁家 潘家 蒋家 蔡家 陶家 姜家 崔家 谭家 范家 汪家 陆家 ",
    "金家 石家 贾家 夏家 付家 方家 白家 孟家 秦家 邱家 尹家 薛家 闫家 ",
    "段家 侯家 史家 贺家 郝家 邵家 万家 钱家 武家 戴家 孔家 汤家"
);
const VILLAGE_PLACES: &str = "堡 屯 沟 岭 台 窝堡 房身 甸子 营 寨 岗 坎";
const SCHOOLS: &[&str] = &[
    "实验小学",
    "中心小学",
    "第一初级中学",
    "第二初级中学",
    "第三小学",
    "高级中学",
    "职业教育中心",
    "中心幼儿园",
    "实验幼儿园",
    "第五小学",
];
const ENTERPRISES: &[&str] = &[
    "镁矿",
    "耐火材料厂",
    "镁制品公司",
    "物流园",
    "食品厂",
    "机械厂",
    "化工厂",
    "建材公司",
    "纺织厂",
    "农机合作社",
    "钢铁公司",
    "工业园",
    "滑石矿",
    "热电厂",
];

/// Metres in a degree of latitude, and of longitude at the county's latitude.
const M_PER_DEG_LAT: f64 = 111_320.0;

fn m_per_deg_lon() -> f64 {
    M_PER_DEG_LAT * CENTRE.0.to_radians().cos()
}

/// Rounds a coordinate to six decimals (about 0.1 m): short JSON, and numbers that survive a
/// round trip through text exactly, which the hash chain relies on.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The cells of a square spiral from (0, 0): consecutive cells share an edge, so any run of
/// them is contiguous. The streets take the centre; the towns wrap around them.
fn spiral(n: usize) -> Vec<(i32, i32)> {
    let mut cells = Vec::with_capacity(n);
    let (mut x, mut y) = (0i32, 0i32);
    if n > 0 {
        cells.push((x, y));
    }
    let dirs = [(1, 0), (0, 1), (-1, 0), (0, -1)];
    let (mut len, mut d) = (1, 0);
    while cells.len() < n {
        for _ in 0..2 {
            for _ in 0..len {
                if cells.len() == n {
                    return cells;
                }
                x += dirs[d].0;
                y += dirs[d].1;
                cells.push((x, y));
            }
            d = (d + 1) % 4;
        }
        len += 1;
    }
    cells
}

/// Splits `total` over `weights` in proportion (largest remainder), each getting at least one.
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let n = weights.len();
    assert!(total >= n, "at least one each");
    let sum: f64 = weights.iter().sum();
    let spare = (total - n) as f64;
    let exact: Vec<f64> = weights.iter().map(|w| spare * w / sum).collect();
    let mut out: Vec<usize> = exact.iter().map(|e| 1 + e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (exact[a].fract(), exact[b].fract());
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    let short = total - out.iter().sum::<usize>();
    for &i in order.iter().take(short) {
        out[i] += 1;
    }
    out
}

/// Draws `count` units one at a time, each with probability proportional to its weight, no unit
/// more than `cap` times.
fn scatter(rng: &mut StdRng, count: usize, weights: &[f64], cap: usize) -> Vec<usize> {
    let mut out = vec![0; weights.len()];
    let mut placed = 0;
    while placed < count {
        let open: Vec<usize> = (0..weights.len()).filter(|&i| out[i] < cap).collect();
        let sum: f64 = open.iter().map(|&i| weights[i]).sum();
        let mut r = rng.gen_range(0.0..sum);
        let mut pick = open[open.len() - 1];
        for &i in &open {
            if r < weights[i] {
                pick = i;
                break;
            }
            r -= weights[i];
        }
        out[pick] += 1;
        placed += 1;
    }
    out
}

/// A lattice with irregular column widths and row heights (300–500 m), centred on [`CENTRE`]:
/// cells never overlap, and neighbours share an edge.
struct Lattice {
    radius: i32,
    /// West edges of columns -radius..=radius+1, in degrees of longitude.
    xs: Vec<f64>,
    /// South edges of rows -radius..=radius+1, in degrees of latitude.
    ys: Vec<f64>,
}

impl Lattice {
    fn new(rng: &mut StdRng, radius: i32) -> Lattice {
        let n = (2 * radius + 1) as usize;
        let edges = |rng: &mut StdRng, origin: f64, per_m: f64| {
            let sizes: Vec<f64> = (0..n)
                .map(|_| rng.gen_range(300.0..500.0) / per_m)
                .collect();
            let before: f64 = sizes[..radius as usize].iter().sum();
            let mut at = origin - before;
            let mut e = vec![at];
            for s in sizes {
                at += s;
                e.push(at);
            }
            e
        };
        let xs = edges(rng, CENTRE.1, m_per_deg_lon());
        let ys = edges(rng, CENTRE.0, M_PER_DEG_LAT);
        Lattice { radius, xs, ys }
    }

    fn rect(&self, (x, y): (i32, i32)) -> serde_json::Value {
        let i = (x + self.radius) as usize;
        let j = (y + self.radius) as usize;
        let (w, e) = (round6(self.xs[i]), round6(self.xs[i + 1]));
        let (s, n) = (round6(self.ys[j]), round6(self.ys[j + 1]));
        serde_json::json!({
            "type": "Polygon",
            "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]
        })
    }
}

/// The reference county of docs/DESIGN.md §8: 17 townships and streets, 283 villages and
/// communities, 1,798 grids (1,480 urban-rural, 69 school, 249 enterprise), every community
/// with at least one grid, every grid a 300–500 m rectangle, each township's grids contiguous.
/// Ids follow the county code: township `210882001`, community `210882001001`, grid
/// `210882001001-01`. The same plan every time.
pub fn reference_plan() -> CountyPlan {
    let mut rng = StdRng::seed_from_u64(PLAN_SEED);
    let mut villages: Vec<String> = VILLAGE_FAMILIES
        .split_whitespace()
        .flat_map(|f| {
            VILLAGE_PLACES
                .split_whitespace()
                .map(move |p| format!("{f}{p}村"))
        })
        .collect();
    villages.shuffle(&mut rng);
    let mut community_names = COMMUNITY_NAMES
        .split_whitespace()
        .map(|n| format!("{n}社区"));
    let mut village_names = villages.into_iter();

    // Who the communities are, in township order.
    struct Slot {
        township: usize,
        kind: TownshipKind,
        name: String,
    }
    let mut slots = vec![];
    for (t, (_, kind, count)) in TOWNSHIPS.iter().enumerate() {
        for _ in 0..*count {
            let name = match kind {
                TownshipKind::Town => village_names.next(),
                _ => community_names.next(),
            }
            .expect("enough names for 283 communities");
            slots.push(Slot {
                township: t,
                kind: *kind,
                name,
            });
        }
    }

    // How many grids of each kind each community gets.
    let urban_weights: Vec<f64> = slots
        .iter()
        .map(|s| {
            let base = match s.kind {
                TownshipKind::Street => 1.4,
                TownshipKind::Zone => 0.8,
                TownshipKind::Town => 0.9,
            };
            base * rng.gen_range(0.7..1.3)
        })
        .collect();
    let urban = apportion(URBAN_RURAL_GRIDS, &urban_weights);
    let school_weights: Vec<f64> = slots
        .iter()
        .map(|s| {
            if s.kind == TownshipKind::Town {
                1.0
            } else {
                3.0
            }
        })
        .collect();
    let schools = scatter(&mut rng, SCHOOL_GRIDS, &school_weights, 3);
    let enterprise_weights: Vec<f64> = slots
        .iter()
        .map(|s| match (s.kind, TOWNSHIPS[s.township].0) {
            (TownshipKind::Zone, _) => 8.0,
            (_, "镁都街道") => 3.0,
            (TownshipKind::Town, _) => 1.5,
            _ => 1.0,
        })
        .collect();
    let enterprises = scatter(
        &mut rng,
        ENTERPRISE_GRIDS,
        &enterprise_weights,
        ENTERPRISES.len(),
    );

    let total = URBAN_RURAL_GRIDS + SCHOOL_GRIDS + ENTERPRISE_GRIDS;
    let cells = spiral(total);
    let radius = cells
        .iter()
        .map(|(x, y)| x.abs().max(y.abs()))
        .max()
        .unwrap_or(0);
    let lattice = Lattice::new(&mut rng, radius);
    let mut cell = cells.into_iter();

    let mut townships: Vec<TownshipPlan> = TOWNSHIPS
        .iter()
        .enumerate()
        .map(|(t, (name, _, _))| TownshipPlan {
            id: format!("{COUNTY_ID}{:03}", t + 1).into(),
            name: (*name).to_owned(),
            communities: vec![],
        })
        .collect();
    for (i, slot) in slots.into_iter().enumerate() {
        let township = &mut townships[slot.township];
        let id: OrgUnitId = format!("{}{:03}", township.id, township.communities.len() + 1).into();
        let school_from = rng.gen_range(0..SCHOOLS.len());
        let firm_from = rng.gen_range(0..ENTERPRISES.len());
        let mut kinds = vec![];
        kinds.extend((0..urban[i]).map(|n| (GridKind::UrbanRural, format!("第{}网格", n + 1))));
        kinds.extend((0..schools[i]).map(|n| {
            let s = SCHOOLS[(school_from + n) % SCHOOLS.len()];
            (GridKind::School, format!("{s}网格"))
        }));
        kinds.extend((0..enterprises[i]).map(|n| {
            let e = ENTERPRISES[(firm_from + n) % ENTERPRISES.len()];
            (GridKind::Enterprise, format!("{e}网格"))
        }));
        assert!(kinds.len() < 100, "grid numbers have two digits");
        let grids = kinds
            .into_iter()
            .enumerate()
            .map(|(g, (kind, name))| GridPlan {
                id: format!("{id}-{:02}", g + 1).into(),
                name,
                kind,
                polygon: lattice.rect(cell.next().expect("one cell per grid")),
            })
            .collect();
        township.communities.push(CommunityPlan {
            id,
            name: slot.name,
            grids,
        });
    }
    CountyPlan {
        id: COUNTY_ID.into(),
        name: "大石桥市".into(),
        townships,
    }
}

/// How much history to make.
#[derive(Debug, Clone)]
pub struct HistorySpec {
    /// Cases reported over the period.
    pub cases: usize,
    /// Days of history before `now`.
    pub days: i64,
    /// Findings resolved on the spot (现场处置) over the period, besides those made on patrols.
    pub on_spot_findings: usize,
    /// Days of patrols up to `now` (today included): two rounds a day on most grids.
    pub patrol_days: i64,
    pub seed: u64,
}

impl Default for HistorySpec {
    /// The reference county's first months: 11,050 cases over 90 days, and a week of patrols.
    fn default() -> Self {
        HistorySpec {
            cases: 11_050,
            days: 90,
            on_spot_findings: 3_000,
            patrol_days: 7,
            seed: 8890,
        }
    }
}

/// What [`seed_history`] made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryReport {
    pub cases: usize,
    pub events: usize,
    /// Cases by the state they were left in.
    pub states: BTreeMap<CaseState, usize>,
    pub reworked: usize,
    pub rated: usize,
    pub supervised: usize,
    /// Findings recorded through `finding.create` ops (a grid worker's case opens with one).
    pub findings: usize,
    /// Patrols started through `patrol.start` ops.
    pub patrols: usize,
    /// Ops pushed through the sync engine ([`crate::sync::apply_ops`]).
    pub ops: usize,
    /// Actions the workflow (or ops the sync engine) refused. The simulation means every one of
    /// them, so this should be zero; a refusal leaves its case where it was.
    pub refused: usize,
    pub first_refusal: Option<String>,
}

/// The people who act on cases, by where they sit.
struct People {
    workers: HashMap<GridId, Actor>,
    /// The same workers as stored users: their devices push ops.
    worker_users: HashMap<GridId, StoredUser>,
    /// Community, township and centre operators, by their unit.
    operators: HashMap<OrgUnitId, Actor>,
    departments: HashMap<DepartmentId, Actor>,
    center: Actor,
    leader: Actor,
}

fn missing(what: String) -> StorageError {
    StorageError::Invalid(format!("the seeded users have no {what}"))
}

impl People {
    fn new(seeded: &Seeded) -> Result<People> {
        let mut workers = HashMap::new();
        let mut worker_users = HashMap::new();
        let mut operators = HashMap::new();
        let mut departments = HashMap::new();
        let (mut center, mut leader) = (None, None);
        for u in &seeded.users {
            let a = u.actor();
            match (u.role, &u.org_unit_id, &u.department_id) {
                (Role::GridWorker, _, _) => {
                    for g in &u.grid_ids {
                        workers.insert(g.clone(), a.clone());
                        worker_users.insert(g.clone(), u.clone());
                    }
                }
                (Role::Community | Role::Township, Some(unit), _) => {
                    operators.insert(unit.clone(), a);
                }
                (Role::Center, Some(unit), _) => {
                    operators.entry(unit.clone()).or_insert_with(|| a.clone());
                    center.get_or_insert(a);
                }
                (Role::Leader, _, _) => {
                    leader.get_or_insert(a);
                }
                (Role::Department, _, Some(d)) => {
                    departments.insert(d.clone(), a);
                }
                _ => {}
            }
        }
        Ok(People {
            workers,
            worker_users,
            operators,
            departments,
            center: center.ok_or_else(|| missing("centre dispatcher".into()))?,
            leader: leader.ok_or_else(|| missing("leader".into()))?,
        })
    }

    fn worker(&self, grid: &GridId) -> Result<Actor> {
        self.workers
            .get(grid)
            .cloned()
            .ok_or_else(|| missing(format!("worker for grid {grid}")))
    }

    fn worker_user(&self, grid: &GridId) -> Result<StoredUser> {
        self.worker_users
            .get(grid)
            .cloned()
            .ok_or_else(|| missing(format!("worker for grid {grid}")))
    }

    fn operator(&self, unit: &OrgUnitId) -> Result<Actor> {
        self.operators
            .get(unit)
            .cloned()
            .ok_or_else(|| missing(format!("operator for unit {unit}")))
    }

    fn department(&self, d: &DepartmentId) -> Result<Actor> {
        self.departments
            .get(d)
            .cloned()
            .ok_or_else(|| missing(format!("handler for department {d}")))
    }
}

/// A leaf category with its weight for a kind of grid.
struct Weighted<'a> {
    leaf: &'a Category,
    weight: f64,
}

/// How often each top class (01–15 of the built-in tree) turns up on a kind of grid: street
/// order and appearance on urban-rural grids, safety and public security around schools,
/// safety, pollution and wage disputes at enterprises. Classes a county adds weigh nothing.
fn class_weight(kind: GridKind, class: &str) -> f64 {
    #[rustfmt::skip]
    let row: [f64; 15] = match kind {
        //                     01   02    03   04   05   06   07   08   09   10    11   12   13   14   15
        GridKind::UrbanRural => [8.0, 7.0, 14.0, 5.0, 5.0, 5.0, 4.0, 0.6, 9.0, 8.0,  8.0, 5.0, 6.0, 5.0, 2.0],
        GridKind::School     => [3.0, 6.0,  3.0, 0.0, 0.0, 0.0, 0.0, 0.4, 5.0, 0.0, 12.0, 6.0, 3.0, 4.0, 0.0],
        GridKind::Enterprise => [3.0, 2.0,  8.0, 0.0, 2.0, 0.0, 6.0, 0.6, 0.0, 5.0, 12.0, 0.0, 0.0, 0.0, 3.0],
    };
    class
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| row.get(i))
        .copied()
        .unwrap_or(0.0)
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T], weight: impl Fn(&T) -> f64) -> Option<&'a T> {
    let sum: f64 = items.iter().map(&weight).sum();
    if sum <= 0.0 {
        return None;
    }
    let mut r = rng.gen_range(0.0..sum);
    for it in items {
        let w = weight(it);
        if r < w {
            return Some(it);
        }
        r -= w;
    }
    items.last()
}

const PLACES: &[&str] = &[
    "小区东门附近",
    "3号楼北侧",
    "主干道与支路交叉口",
    "村委会西侧路边",
    "农贸市场南口",
    "公交站台旁",
    "学校门口",
    "桥头东侧",
    "居民楼后院",
    "沿河路段",
    "厂区围墙外",
    "商铺门前",
    "健身广场边",
    "老旧小区院内",
];
const DETAILS: &[&str] = &[
    "现场已拍照取证",
    "居民多次反映",
    "影响群众出行",
    "存在安全隐患",
    "需相关部门协调处置",
    "请尽快安排处理",
];
const CALLERS: &[&str] = &[
    "王女士",
    "李先生",
    "张女士",
    "刘先生",
    "赵女士",
    "孙先生",
    "陈女士",
    "杨先生",
];

/// One case being driven: its record so far and its own clock.
struct Run {
    id: CaseId,
    case: Option<Case>,
    at: DateTime<Utc>,
}

/// What is decided about a case before it is reported.
struct CasePlan {
    at: DateTime<Utc>,
    grid: GridId,
    channel: Channel,
    /// A hotline call lodged with the township rather than the community.
    at_township: bool,
    /// The department sits on it: the case stays open past its deadline, urged on.
    stuck: bool,
}

/// Drives cases through the workflow inside one transaction.
struct Sim<'a> {
    tx: &'a mut dyn LedgerTx,
    reference: &'a Reference,
    people: People,
    now: DateTime<Utc>,
    rng: StdRng,
    report: HistoryReport,
    last_in_grid: HashMap<GridId, CaseId>,
    leaves: HashMap<GridKind, Vec<Weighted<'a>>>,
}

/// Stops driving a case when a step cannot happen (it lies after `now`, or was refused).
macro_rules! step {
    ($e:expr) => {
        if !$e? {
            return Ok(false);
        }
    };
}

impl<'a> Sim<'a> {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p.clamp(0.0, 1.0))
    }

    /// `from` plus lo..hi hours of working time.
    fn work(&mut self, from: DateTime<Utc>, lo: f64, hi: f64) -> DateTime<Utc> {
        let secs = self.rng.gen_range(lo * 3600.0..hi * 3600.0) as i64;
        // Operators and departments act in office hours: a case reported on Friday evening
        // is claimed on Monday morning.
        self.reference
            .calendar
            .add_working_time(from, Duration::seconds(secs))
    }

    /// A point in the span from `from` to `to`, at a fraction lo..hi of the way.
    fn between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        lo: f64,
        hi: f64,
    ) -> DateTime<Utc> {
        let span = (to - from).num_seconds().max(60) as f64;
        from + Duration::seconds((span * self.rng.gen_range(lo..hi)) as i64)
    }

    fn new_id(&mut self, at: DateTime<Utc>) -> String {
        let mut bytes = [0u8; 10];
        self.rng.fill(&mut bytes);
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes)
            .into_uuid()
            .to_string()
    }

    /// Takes `action` by `who` at `at` (never before the case's last event). False when `at`
    /// is still in the future, or the workflow refused: the case stays where it is.
    fn act(
        &mut self,
        run: &mut Run,
        who: &Actor,
        action: Action,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let at = at.max(run.at);
        if at > self.now {
            return Ok(false);
        }
        let base = run.case.as_ref().map_or(0, |c| c.version);
        let kind = action.kind();
        match act(self.tx, self.reference, who, &run.id, base, &action, at)? {
            Ok((case, _)) => {
                run.case = Some(case);
                run.at = at;
                self.report.events += 1;
                Ok(true)
            }
            Err(refusal) => {
                self.report.refused += 1;
                if self.report.first_refusal.is_none() {
                    self.report.first_refusal = Some(format!(
                        "case {}: {} by {} refused: {refusal}",
                        run.id,
                        kind.as_str(),
                        who.user_id
                    ));
                }
                Ok(false)
            }
        }
    }

    fn case(run: &Run) -> Result<&Case> {
        run.case
            .as_ref()
            .ok_or_else(|| StorageError::Invalid(format!("case {} was not reported", run.id)))
    }

    fn op<T: serde::Serialize>(
        &mut self,
        op_type: OpType,
        entity_id: &str,
        at: DateTime<Utc>,
        data: &T,
    ) -> Result<Op> {
        Ok(Op {
            op_id: OpId(self.new_id(at)),
            op_type,
            entity_id: entity_id.to_owned(),
            at,
            data: serde_json::to_value(data)?,
        })
    }

    /// Pushes a worker's ops through the sync engine as their device would, received at `at`.
    /// False when any op was not applied.
    fn push(&mut self, user: &StoredUser, ops: &[Op], at: DateTime<Utc>) -> Result<bool> {
        let device = DeviceId(format!("demo-{}", user.username));
        let results = crate::sync::apply_ops(self.tx, self.reference, user, &device, ops, at)?;
        self.report.ops += ops.len();
        let mut all = true;
        for r in results.iter().filter(|r| r.status != OpStatus::Applied) {
            all = false;
            self.report.refused += 1;
            if self.report.first_refusal.is_none() {
                self.report.first_refusal = Some(format!(
                    "op {} of {} refused: {} {}",
                    r.op_id,
                    user.username,
                    r.code.as_ref().map_or("-", |c| c.as_str()),
                    r.message.as_deref().unwrap_or("")
                ));
            }
        }
        Ok(all)
    }

    /// Reports a grid worker's case the way the app does: a `finding.create` op with the
    /// disposition `report` and the case id made on the device, synced at `plan.at`.
    fn report_by_finding(&mut self, run: &mut Run, plan: &CasePlan, new: &NewCase) -> Result<bool> {
        let user = self.people.worker_user(&plan.grid)?;
        let observed = plan.at - Duration::minutes(self.rng.gen_range(2..30));
        let finding_id = self.new_id(observed);
        let data = FindingCreateData {
            grid_id: plan.grid.clone(),
            patrol_id: None,
            category_code: new.category.clone(),
            description: new.description.clone(),
            lat: new.location.map(|l| l.lat),
            lon: new.location.map(|l| l.lon),
            accuracy_m: new.location.and_then(|l| l.accuracy_m),
            mock_location: false,
            observed_at: observed,
            disposition: Disposition::Report,
            photos: vec![],
            case_id: Some(run.id.clone()),
            urgent: new.urgent,
        };
        let op = self.op(OpType::FindingCreate, &finding_id, observed, &data)?;
        if !self.push(&user, &[op], plan.at)? {
            return Ok(false);
        }
        self.report.findings += 1;
        run.case = self.tx.case(&run.id)?;
        run.at = plan.at;
        self.report.events += usize::from(run.case.is_some());
        Ok(run.case.is_some())
    }

    /// A time in the `days` before `now`, in the day (07:00–19:30 local), fewer at weekends.
    fn daytime(&mut self, days: i64) -> Option<DateTime<Utc>> {
        let offset = self.offset();
        let today = self.now.with_timezone(&offset).date_naive();
        let day = today - Duration::days(self.rng.gen_range(0..days.max(1)));
        // Fewer reports at weekends: patrols go on, the hotline is quieter.
        if day.weekday().number_from_monday() > 5 && self.chance(0.4) {
            return None;
        }
        let secs = self.rng.gen_range(7 * 3600..19 * 3600 + 1800);
        let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)?;
        let at = offset
            .from_local_datetime(&day.and_time(time))
            .single()?
            .with_timezone(&Utc);
        (at <= self.now).then_some(at)
    }

    fn offset(&self) -> chrono::FixedOffset {
        chrono::FixedOffset::east_opt(self.reference.calendar.utc_offset_seconds)
            .or_else(|| chrono::FixedOffset::east_opt(8 * 3600))
            .expect("UTC+8 is a valid offset")
    }

    fn leaf_for(&mut self, kind: GridKind) -> Result<&'a Category> {
        let leaves = self.leaves.get(&kind).map(Vec::as_slice).unwrap_or(&[]);
        pick(&mut self.rng, leaves, |w| w.weight)
            .map(|w| w.leaf)
            .ok_or_else(|| StorageError::Invalid("no categories to report under".into()))
    }

    /// A finding resolved on the spot (现场处置): no case, just the record of it.
    fn on_spot_finding(
        &mut self,
        grid: &GridId,
        patrol: Option<&PatrolId>,
        observed: DateTime<Utc>,
    ) -> Result<Op> {
        let reference = self.reference;
        let g = reference
            .org
            .grid(grid)
            .ok_or_else(|| StorageError::Invalid(format!("unknown grid {grid}")))?;
        let leaf = self.leaf_for(g.kind)?;
        let place = PLACES.choose(&mut self.rng).copied().unwrap_or_default();
        let (lat, lon) = self.point_in(&g.polygon);
        let data = FindingCreateData {
            grid_id: grid.clone(),
            patrol_id: patrol.cloned(),
            category_code: leaf.code.clone(),
            description: format!("{}：{}{}，已现场处置。", leaf.name, g.name, place),
            lat,
            lon,
            accuracy_m: lat.map(|_| f64::from(self.rng.gen_range(3u8..20))),
            mock_location: false,
            observed_at: observed,
            disposition: Disposition::ResolvedOnSpot,
            photos: vec![],
            case_id: None,
            urgent: false,
        };
        let id = self.new_id(observed);
        self.op(OpType::FindingCreate, &id, observed, &data)
    }

    fn point_in(&mut self, polygon: &serde_json::Value) -> (Option<f64>, Option<f64>) {
        match bbox(polygon) {
            Some((w, s, e, n)) => (
                Some(round6(self.rng.gen_range(s..n))),
                Some(round6(self.rng.gen_range(w..e))),
            ),
            None => (None, None),
        }
    }

    /// The field work around the cases, pushed as the workers' devices push it: findings
    /// resolved on the spot across the history, and `spec.patrol_days` of patrols — on most
    /// grids a morning and an afternoon round each day, up to `now` (a round under way now has
    /// no end yet), with GPS tracks for the last two days, and now and then a finding fixed on
    /// the way.
    fn field_work(&mut self, spec: &HistorySpec, grids: &[GridId]) -> Result<()> {
        let mut made = 0;
        while made < spec.on_spot_findings {
            let Some(at) = self.daytime(spec.days) else {
                continue;
            };
            let grid = grids[self.rng.gen_range(0..grids.len())].clone();
            let user = self.people.worker_user(&grid)?;
            let op = self.on_spot_finding(&grid, None, at - Duration::minutes(5))?;
            if self.push(&user, &[op], at)? {
                self.report.findings += 1;
            }
            made += 1;
        }
        let offset = self.offset();
        let today = self.now.with_timezone(&offset).date_naive();
        for grid in grids {
            let user = self.people.worker_user(grid)?;
            let polygon = self
                .reference
                .org
                .grid(grid)
                .map(|g| g.polygon.clone())
                .unwrap_or_default();
            for back in (0..spec.patrol_days.max(0)).rev() {
                let day = today - Duration::days(back);
                let r: f64 = self.rng.gen();
                // Most grids are walked twice a day; a few miss a round, fewer miss both.
                let (morning, afternoon) = match r {
                    r if r < 0.90 => (true, true),
                    r if r < 0.94 => (true, false),
                    r if r < 0.97 => (false, true),
                    _ => (false, false),
                };
                for (walk, from, to) in [
                    (morning, 6 * 3600 + 1800, 10 * 3600),
                    (afternoon, 13 * 3600, 17 * 3600),
                ] {
                    if !walk {
                        continue;
                    }
                    let secs = self.rng.gen_range(from..to);
                    let Some(start) = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)
                        .and_then(|t| offset.from_local_datetime(&day.and_time(t)).single())
                        .map(|t| t.with_timezone(&Utc))
                    else {
                        continue;
                    };
                    if start > self.now {
                        continue;
                    }
                    let end = start + Duration::minutes(self.rng.gen_range(50..150));
                    let until = end.min(self.now);
                    let id = self.new_id(start);
                    let mut ops = vec![self.op(
                        OpType::PatrolStart,
                        &id,
                        start,
                        &PatrolStartData {
                            grid_id: grid.clone(),
                            started_at: start,
                        },
                    )?];
                    // Tracks for the last two days: enough to draw rounds on the map, at any
                    // hour the demo is started.
                    if back <= 1 {
                        let mut points: Vec<TrackPoint> = (0..8)
                            .map(|i| {
                                let t = start + (until - start) * i / 8;
                                let (lat, lon) = self.point_in(&polygon);
                                TrackPoint {
                                    t,
                                    lat: lat.unwrap_or(CENTRE.0),
                                    lon: lon.unwrap_or(CENTRE.1),
                                    accuracy_m: Some(f64::from(self.rng.gen_range(4u8..15))),
                                    mock: false,
                                }
                            })
                            .collect();
                        points.sort_by_key(|p| p.t);
                        ops.push(self.op(
                            OpType::PatrolTrack,
                            &id,
                            until,
                            &PatrolTrackData { points },
                        )?);
                    }
                    let found = self.chance(0.12);
                    if found {
                        let seen = self.between(start, until, 0.2, 0.8);
                        ops.push(self.on_spot_finding(grid, Some(&PatrolId(id.clone())), seen)?);
                    }
                    if end <= self.now {
                        let data = PatrolEndData { ended_at: end };
                        ops.push(self.op(OpType::PatrolEnd, &id, end, &data)?);
                    }
                    let synced =
                        (until + Duration::minutes(self.rng.gen_range(1..10))).min(self.now);
                    if self.push(&user, &ops, synced)? {
                        self.report.patrols += 1;
                        self.report.findings += usize::from(found);
                    }
                }
            }
        }
        Ok(())
    }

    fn plan(&mut self, spec: &HistorySpec, grids: &[GridId]) -> Vec<CasePlan> {
        let mut plans = Vec::with_capacity(spec.cases);
        while plans.len() < spec.cases {
            let Some(at) = self.daytime(spec.days) else {
                continue;
            };
            let hotline = self.chance(0.14);
            plans.push(CasePlan {
                at,
                grid: grids[self.rng.gen_range(0..grids.len())].clone(),
                channel: if hotline {
                    Channel::Hotline8890
                } else {
                    Channel::Grid
                },
                at_township: hotline && self.chance(0.3),
                stuck: self.chance(0.035),
            });
        }
        plans.sort_by_key(|p| p.at);
        plans
    }

    fn run_case(&mut self, plan: &CasePlan) -> Result<bool> {
        let reference = self.reference;
        let org = &reference.org;
        let grid = org
            .grid(&plan.grid)
            .ok_or_else(|| StorageError::Invalid(format!("unknown grid {}", plan.grid)))?;
        let community = grid.community_id.clone();
        let township = org
            .parent(&community)
            .map(|t| t.id.clone())
            .ok_or_else(|| {
                StorageError::Invalid(format!("community {community} has no township"))
            })?;
        let worker = self.people.worker(&plan.grid)?;
        let community_op = self.people.operator(&community)?;
        let township_op = self.people.operator(&township)?;

        let leaf = self.leaf_for(grid.kind)?;
        let urgent = if leaf.code.0.starts_with("08") {
            self.chance(0.5)
        } else {
            self.chance(0.06)
        };
        let place = PLACES.choose(&mut self.rng).copied().unwrap_or_default();
        let detail = DETAILS.choose(&mut self.rng).copied().unwrap_or_default();
        let location = bbox(&grid.polygon).map(|(w, s, e, n)| GeoPoint {
            lat: round6(self.rng.gen_range(s..n)),
            lon: round6(self.rng.gen_range(w..e)),
            accuracy_m: Some(f64::from(self.rng.gen_range(3u8..25))),
        });
        let (reporter, description, contact) = match plan.channel {
            Channel::Grid => (
                worker.clone(),
                format!("{}：{}{}，{}。", leaf.name, grid.name, place, detail),
                None,
            ),
            _ => {
                let caller = CALLERS.choose(&mut self.rng).copied().unwrap_or("市民");
                let phone = format!(
                    "1{}{:02}****{:04}",
                    self.rng.gen_range(3..9),
                    self.rng.gen_range(0..100),
                    self.rng.gen_range(0..10_000)
                );
                (
                    if plan.at_township {
                        township_op.clone()
                    } else {
                        community_op.clone()
                    },
                    format!(
                        "8890市民来电反映：{}{}，{}，请核实处理。",
                        grid.name, place, leaf.name
                    ),
                    Some(format!("{caller} {phone}")),
                )
            }
        };
        let id = CaseId(self.new_id(plan.at));
        let mut run = Run {
            id: id.clone(),
            case: None,
            at: plan.at,
        };
        let new = NewCase {
            channel: plan.channel,
            category: leaf.code.clone(),
            urgent,
            description,
            location,
            address: Some(format!("{}{}", grid.name, place)),
            grid_id: Some(plan.grid.clone()),
            unit: plan.at_township.then(|| township.clone()),
            finding_id: None,
            photos: vec![],
            contact,
        };
        match plan.channel {
            // A grid worker's case opens with their finding, pushed from the device.
            Channel::Grid => step!(self.report_by_finding(&mut run, plan, &new)),
            _ => step!(self.act(&mut run, &reporter, Action::Report(new), plan.at)),
        }
        self.report.cases += 1;
        let earlier = self.last_in_grid.insert(plan.grid.clone(), id.clone());
        let done = self.drive(
            &mut run,
            plan,
            earlier,
            &worker,
            &community_op,
            &township_op,
        )?;
        if let Some(c) = &run.case {
            *self.report.states.entry(c.state).or_default() += 1;
            self.report.reworked += usize::from(c.reworks > 0);
            self.report.rated += usize::from(c.rating.is_some());
            self.report.supervised += usize::from(c.supervisions > 0);
        }
        Ok(done)
    }

    /// The case's life after its report, as far as `now` allows. True when it ran to the end.
    fn drive(
        &mut self,
        run: &mut Run,
        plan: &CasePlan,
        earlier: Option<CaseId>,
        worker: &Actor,
        community_op: &Actor,
        township_op: &Actor,
    ) -> Result<bool> {
        let center = self.people.center.clone();
        let mut pending_at_township = plan.at_township;
        if !plan.at_township {
            let r: f64 = self.rng.gen();
            let t = self.work(run.at, 0.3, 4.0);
            if r < 0.03 {
                let note = Some("经核实反映情况不属实，不予立案".to_owned());
                return self.act(run, community_op, Action::RejectInvalid { note }, t);
            }
            if let (true, Some(original)) = (r < 0.04, earlier) {
                let note = Some("与本网格已受理案件重复，合并办理".to_owned());
                let merge = Action::MergeDuplicate {
                    duplicate_of: original,
                    note,
                };
                return self.act(run, community_op, merge, t);
            }
            if r < 0.64 {
                step!(self.act(run, community_op, Action::Claim { note: None }, t));
                if self.chance(0.55) {
                    let t = self.work(run.at, 2.0, 16.0);
                    let resolve = Action::Resolve {
                        note: Some("社区已组织人员现场处置".into()),
                        photos: vec![],
                    };
                    step!(self.act(run, community_op, resolve, t));
                    return self.finish(run, plan, community_op, worker, community_op);
                }
                let t = self.work(run.at, 0.5, 6.0);
                let note = Some("超出社区处置权限，申请街道协调".to_owned());
                step!(self.act(run, community_op, Action::Escalate { note }, t));
                pending_at_township = true;
            } else if r < 0.94 {
                // 提级办理: the township takes the case up straight from the community.
                let t = self.work(run.at, 0.5, 6.0);
                let note = Some("街道提级办理".to_owned());
                step!(self.act(run, township_op, Action::Claim { note }, t));
            } else {
                let note = Some("需街道统筹协调".to_owned());
                step!(self.act(run, community_op, Action::Escalate { note }, t));
                pending_at_township = true;
            }
        }
        if pending_at_township {
            let t = self.work(run.at, 0.2, 3.0);
            step!(self.act(run, township_op, Action::Claim { note: None }, t));
        }
        let r: f64 = self.rng.gen();
        let dispatcher = if r < 0.10 {
            let t = self.work(run.at, 0.5, 4.0);
            let note = Some("涉及多部门，提请市指挥中心协调".to_owned());
            step!(self.act(run, township_op, Action::Escalate { note }, t));
            let t = self.work(run.at, 0.2, 2.0);
            step!(self.act(run, &center, Action::Claim { note: None }, t));
            center.clone()
        } else if r < 0.15 {
            let t = self.work(run.at, 2.0, 16.0);
            let resolve = Action::Resolve {
                note: Some("街道组织力量处置完毕".into()),
                photos: vec![],
            };
            step!(self.act(run, township_op, resolve, t));
            return self.finish(run, plan, township_op, worker, community_op);
        } else {
            township_op.clone()
        };
        let t = self.work(run.at, 0.2, 3.0);
        let dispatch = Action::Dispatch {
            department: None,
            note: None,
        };
        step!(self.act(run, &dispatcher, dispatch, t));
        if self.chance(0.03) {
            let dept = Self::case(run)?.department.clone();
            if let Some(dept) = dept {
                let handler = self.people.department(&dept)?;
                let t = self.work(run.at, 0.5, 4.0);
                let note = Some("经核实不属于本部门职责范围，请重新分派".to_owned());
                step!(self.act(run, &handler, Action::Return { note }, t));
                let others: Vec<DepartmentId> = self
                    .reference
                    .org
                    .departments()
                    .map(|d| d.id.clone())
                    .filter(|d| *d != dept)
                    .collect();
                let other = others.choose(&mut self.rng).cloned();
                let t = self.work(run.at, 0.5, 3.0);
                let dispatch = Action::Dispatch {
                    department: other,
                    note: Some("重新分派至责任部门".into()),
                };
                step!(self.act(run, &dispatcher, dispatch, t));
            }
        }
        step!(self.department_work(run, &dispatcher, plan.stuck));
        self.finish(run, plan, &dispatcher, worker, community_op)
    }

    /// A department works a dispatched case: accepts it, maybe asks for more time, and reports
    /// it handled — on time mostly, late sometimes (and then it is urged, 督办).
    fn department_work(&mut self, run: &mut Run, dispatcher: &Actor, stuck: bool) -> Result<bool> {
        let case = Self::case(run)?;
        let (Some(dept), Some(deadline)) = (case.department.clone(), case.deadline) else {
            return Err(StorageError::Invalid(format!(
                "case {} was dispatched without a department or deadline",
                run.id
            )));
        };
        let handler = self.people.department(&dept)?;
        let t = self.between(run.at, deadline, 0.02, 0.12);
        step!(self.act(run, &handler, Action::Accept { note: None }, t));
        if stuck {
            // Left lying at the department: urged by the dispatcher, then by the leader.
            let t = self.work(deadline, 2.0, 8.0);
            let note = Some("已超期，请立即办理并反馈".to_owned());
            step!(self.act(run, dispatcher, Action::Supervise { note }, t));
            let t = self.work(run.at, 18.0, 45.0);
            let note = Some("超期未办结，请主要负责同志督办".to_owned());
            let leader = self.people.leader.clone();
            step!(self.act(run, &leader, Action::Supervise { note }, t));
            return Ok(false);
        }
        let mut refused = false;
        if self.chance(0.06) {
            let t = self.between(run.at, deadline, 0.05, 0.4);
            let until = self.work(deadline, 9.0, 36.0);
            let request = Action::RequestExtension {
                until,
                note: Some("需协调多个单位，申请延期办理".into()),
            };
            step!(self.act(run, &handler, request, t));
            let t = self.work(run.at, 0.5, 4.0);
            let answer = if self.chance(0.75) {
                Action::ExtendDeadline {
                    until: None,
                    note: Some("同意延期".into()),
                }
            } else {
                refused = true;
                Action::RefuseExtension {
                    note: Some("请按原时限办结".into()),
                }
            };
            step!(self.act(run, dispatcher, answer, t));
        }
        let deadline = Self::case(run)?.deadline.unwrap_or(deadline);
        let late = self.chance(if refused { 0.4 } else { 0.08 });
        let handled_at = if late {
            let t = self.work(deadline, 0.5, 16.0);
            // Urged once it is overdue, before the department finally reports back.
            let urge = self.between(deadline, t, 0.1, 0.6);
            let who = if self.chance(0.7) {
                dispatcher.clone()
            } else {
                self.people.leader.clone()
            };
            let note = Some("案件已超期，请加快办理".to_owned());
            step!(self.act(run, &who, Action::Supervise { note }, urge));
            t
        } else {
            self.between(run.at, deadline, 0.3, 0.95)
        };
        let handled = Action::ReportHandled {
            note: Some("已安排人员现场处置完毕".into()),
            photos: vec![],
        };
        self.act(run, &handler, handled, handled_at)
    }

    /// From handled to closed: the dispatcher asks the grid worker to check on site (or closes
    /// it directly); a failed check sends the case back once (返工); then the reporter is asked
    /// how it went (回访).
    fn finish(
        &mut self,
        run: &mut Run,
        plan: &CasePlan,
        dispatcher: &Actor,
        worker: &Actor,
        community_op: &Actor,
    ) -> Result<bool> {
        let mut reworked = false;
        loop {
            if self.chance(0.85) {
                let t = self.work(run.at, 0.5, 6.0);
                step!(self.act(run, dispatcher, Action::AssignVerify { note: None }, t));
                let t = self.work(run.at, 1.0, 16.0);
                if !reworked && self.chance(0.05) {
                    reworked = true;
                    let fail = Action::VerifyFail {
                        note: Some("现场核查问题仍未解决，需返工".into()),
                        photos: vec![],
                    };
                    step!(self.act(run, worker, fail, t));
                    if Self::case(run)?.state == CaseState::Dispatched {
                        step!(self.department_work(run, dispatcher, false));
                    } else {
                        let t = self.work(run.at, 2.0, 16.0);
                        let resolve = Action::Resolve {
                            note: Some("已重新组织整改".into()),
                            photos: vec![],
                        };
                        step!(self.act(run, dispatcher, resolve, t));
                    }
                    continue;
                }
                let pass = Action::VerifyPass {
                    note: Some("现场核查已整改到位".into()),
                    photos: vec![],
                };
                step!(self.act(run, worker, pass, t));
            } else {
                let t = self.work(run.at, 0.5, 4.0);
                let close = Action::Close {
                    outcome: None,
                    note: Some("处置完毕，予以结案".into()),
                };
                step!(self.act(run, dispatcher, close, t));
            }
            break;
        }
        if self.chance(0.7) {
            // 回访: hotline callers are called back by the centre; grid cases by the community.
            let rater = match plan.channel {
                Channel::Grid => community_op.clone(),
                _ => self.people.center.clone(),
            };
            let r: f64 = self.rng.gen();
            let rating = if r < 0.76 {
                Rating::Satisfied
            } else if r < 0.95 {
                Rating::BasicallySatisfied
            } else {
                Rating::Dissatisfied
            };
            let t = self.work(run.at, 1.0, 24.0);
            step!(self.act(run, &rater, Action::Rate { rating, note: None }, t));
        }
        Ok(true)
    }
}

/// West, south, east and north bounds, in degrees.
type Bounds = (f64, f64, f64, f64);

/// The bounds of a GeoJSON polygon's coordinates.
fn bbox(polygon: &serde_json::Value) -> Option<Bounds> {
    fn walk(v: &serde_json::Value, b: &mut Option<Bounds>) {
        match v.as_array() {
            Some(a) if a.len() >= 2 && a[0].is_f64() && a[1].is_f64() => {
                let (x, y) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
                *b = Some(match *b {
                    None => (x, y, x, y),
                    Some((w, s, e, n)) => (w.min(x), s.min(y), e.max(x), n.max(y)),
                });
            }
            Some(a) => a.iter().for_each(|x| walk(x, b)),
            None => {}
        }
    }
    let mut b = None;
    walk(polygon.get("coordinates")?, &mut b);
    b.filter(|(w, s, e, n)| w < e && s < n)
}

/// Makes a history of cases in `tx` over the `spec.days` before `now`, each driven through the
/// workflow by the people of `seeded`: most reported by grid workers from their grids, some
/// taken by the 8890 hotline at a community or township; about 60 % claimed by the community
/// (resolved there or escalated), most of the rest taken up by the township, a tenth sent on to
/// the county centre; dispatched to the category's department with the category's deadline;
/// verified on site by the grid worker (about 5 % fail and are reworked); closed; about 70 %
/// rated, 95 % of them satisfied. Cases reported recently are still open in every state, and a
/// few older ones sit overdue at a department, urged on. `progress` hears every 1,000 cases.
pub fn seed_history(
    tx: &mut dyn LedgerTx,
    reference: &Reference,
    seeded: &Seeded,
    spec: &HistorySpec,
    now: DateTime<Utc>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<HistoryReport> {
    let mut leaves: HashMap<GridKind, Vec<Weighted<'_>>> = HashMap::new();
    for kind in GridKind::ALL {
        let mut v = vec![];
        for class in reference.categories.classes() {
            let w = class_weight(kind, &class.code.0);
            let children: Vec<&Category> = reference.categories.children(&class.code).collect();
            for leaf in &children {
                v.push(Weighted {
                    leaf,
                    weight: w / children.len() as f64,
                });
            }
        }
        // A county whose categories are all its own still gets cases: every leaf alike.
        if v.iter().all(|w| w.weight <= 0.0) {
            v = reference
                .categories
                .leaves()
                .map(|leaf| Weighted { leaf, weight: 1.0 })
                .collect();
        }
        leaves.insert(kind, v);
    }
    let grids: Vec<GridId> = reference.org.grids().map(|g| g.id.clone()).collect();
    if grids.is_empty() {
        return Err(StorageError::Invalid(
            "the county has no grids to report from".into(),
        ));
    }
    let mut sim = Sim {
        tx,
        reference,
        people: People::new(seeded)?,
        now,
        rng: StdRng::seed_from_u64(spec.seed),
        report: HistoryReport::default(),
        last_in_grid: HashMap::new(),
        leaves,
    };
    let plans = sim.plan(spec, &grids);
    for (i, plan) in plans.iter().enumerate() {
        sim.run_case(plan)?;
        if (i + 1) % 1000 == 0 {
            progress(&format!(
                "{} of {} cases, {} events",
                i + 1,
                plans.len(),
                sim.report.events
            ));
        }
    }
    sim.field_work(spec, &grids)?;
    progress(&format!(
        "field work: {} findings, {} patrols, {} ops through the sync engine",
        sim.report.findings, sim.report.patrols, sim.report.ops
    ));
    if let Some(r) = &sim.report.first_refusal {
        tracing::warn!(refused = sim.report.refused, first = %r, "the demo history had refusals");
    }
    Ok(sim.report)
}

/// What [`seed_demo`] made.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub townships: usize,
    pub communities: usize,
    pub grids: usize,
    pub users: usize,
    pub history: HistoryReport,
}

/// True when the ledger already holds an org tree (a demo county or a real one): `demo` then
/// serves it as it is.
pub fn has_county(ledger: &Ledger) -> Result<bool> {
    ledger.read_blocking(|tx| Ok(tx.load_org()?.root().is_some()))
}

/// Seeds the reference county and its history into an empty ledger in ONE write transaction:
/// the folder holds the whole demo or nothing. The password "demo" is hashed once (argon2id is
/// slow on purpose) and shared by every demo user, who are marked as demo users.
pub fn seed_demo(
    ledger: &Ledger,
    now: DateTime<Utc>,
    spec: &HistorySpec,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<DemoSummary> {
    let hash = crate::auth::hash_password(DEMO_PASSWORD)?;
    let plan = reference_plan();
    let spec = spec.clone();
    let summary = ledger.write_blocking(move |tx| {
        if tx.load_org()?.root().is_some() {
            return Err(StorageError::Invalid(
                "the ledger already holds a county; the demo seeds only an empty ledger".into(),
            ));
        }
        let seeded = seed_county(tx, &plan, &hash, true, now)?;
        let reference = Reference {
            org: tx.load_org()?,
            categories: tx.load_categories()?,
            calendar: WorkingCalendar::china(),
        };
        let communities = plan.townships.iter().map(|t| t.communities.len()).sum();
        progress(&format!(
            "county: {} townships, {communities} communities, {} grids, {} users",
            plan.townships.len(),
            reference.org.grids().count(),
            seeded.users.len()
        ));
        let history = seed_history(tx, &reference, &seeded, &spec, now, progress)?;
        tx.meta_set(SEEDED_META_KEY, &now.to_rfc3339())?;
        progress("committing");
        Ok(DemoSummary {
            townships: plan.townships.len(),
            communities,
            grids: reference.org.grids().count(),
            users: seeded.users.len(),
            history,
        })
    })?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::small_plan;
    use std::collections::{BTreeSet, VecDeque};

    fn rects(plan: &CountyPlan) -> Vec<(String, String, Bounds)> {
        plan.grids()
            .map(|(t, _, g)| {
                let b = bbox(&g.polygon).expect("every grid has a rectangle");
                (t.id.0.clone(), g.id.0.clone(), b)
            })
            .collect()
    }

    #[test]
    fn the_reference_plan_is_the_county_of_design_section_8() {
        let plan = reference_plan();
        assert_eq!(plan.id.as_str(), COUNTY_ID);
        assert_eq!(plan.townships.len(), 17, "17 townships and streets");
        let communities: Vec<&CommunityPlan> =
            plan.townships.iter().flat_map(|t| &t.communities).collect();
        assert_eq!(communities.len(), 283, "283 villages and communities");
        assert!(
            communities.iter().all(|c| !c.grids.is_empty()),
            "every community has at least one grid"
        );
        let kinds = |k: GridKind| plan.grids().filter(|(_, _, g)| g.kind == k).count();
        assert_eq!(
            (
                kinds(GridKind::UrbanRural),
                kinds(GridKind::School),
                kinds(GridKind::Enterprise)
            ),
            (1480, 69, 249),
            "the kinds add up as the county reports them"
        );
        let names: BTreeSet<&str> = communities.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 283, "community names are unique in the county");
        let ids: BTreeSet<&str> = plan.grids().map(|(_, _, g)| g.id.as_str()).collect();
        assert_eq!(ids.len(), 1798, "grid ids are unique");
        for (t, c, g) in plan.grids() {
            assert!(
                c.id.as_str().starts_with(t.id.as_str()) && t.id.as_str().starts_with(COUNTY_ID),
                "ids nest: {} under {} under {COUNTY_ID}",
                c.id,
                t.id
            );
            assert!(
                g.id.as_str().starts_with(&format!("{}-", c.id)) && g.id.as_str().len() == 15,
                "grid ids are <community>-NN: {}",
                g.id
            );
        }
        assert_eq!(
            TOWNSHIPS.iter().map(|t| t.0).collect::<Vec<_>>(),
            plan.townships
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>(),
            "townships keep their names and order"
        );
    }

    #[test]
    fn grids_are_disjoint_rectangles_of_300_to_500_metres_and_each_township_is_contiguous() {
        let plan = reference_plan();
        let rects = rects(&plan);
        let lon_m = m_per_deg_lon();
        for (_, id, (w, s, e, n)) in &rects {
            let (width, height) = ((e - w) * lon_m, (n - s) * M_PER_DEG_LAT);
            assert!(
                (299.0..=501.0).contains(&width) && (299.0..=501.0).contains(&height),
                "grid {id} is {width:.0} m × {height:.0} m"
            );
        }
        let (mut lat, mut lon) = (0.0, 0.0);
        for (_, _, (w, s, e, n)) in &rects {
            lat += (s + n) / 2.0;
            lon += (w + e) / 2.0;
        }
        let k = rects.len() as f64;
        assert!(
            (lat / k - CENTRE.0).abs() < 0.05 && (lon / k - CENTRE.1).abs() < 0.05,
            "the county lies around 40.63 N 122.50 E"
        );
        // Edges are shared exactly, so "touching" is equality after rounding and "overlapping"
        // is a positive intersection.
        let overlap = |a: &Bounds, b: &Bounds| {
            a.0.max(b.0) < a.2.min(b.2) - 1e-9 && a.1.max(b.1) < a.3.min(b.3) - 1e-9
        };
        let touch = |a: &Bounds, b: &Bounds| {
            let x_edge = (a.2 - b.0).abs() < 1e-9 || (b.2 - a.0).abs() < 1e-9;
            let y_edge = (a.3 - b.1).abs() < 1e-9 || (b.3 - a.1).abs() < 1e-9;
            let y_span = a.1.max(b.1) < a.3.min(b.3) - 1e-9;
            let x_span = a.0.max(b.0) < a.2.min(b.2) - 1e-9;
            (x_edge && y_span) || (y_edge && x_span)
        };
        for i in 0..rects.len() {
            for j in i + 1..rects.len() {
                assert!(
                    !overlap(&rects[i].2, &rects[j].2),
                    "grids {} and {} overlap",
                    rects[i].1,
                    rects[j].1
                );
            }
        }
        for t in &plan.townships {
            let mine: Vec<_> = rects.iter().filter(|r| r.0 == t.id.0).collect();
            let mut seen = vec![false; mine.len()];
            let mut queue = VecDeque::from([0]);
            seen[0] = true;
            while let Some(i) = queue.pop_front() {
                for j in 0..mine.len() {
                    if !seen[j] && touch(&mine[i].2, &mine[j].2) {
                        seen[j] = true;
                        queue.push_back(j);
                    }
                }
            }
            assert!(
                seen.iter().all(|s| *s),
                "the grids of {} form one contiguous area",
                t.name
            );
        }
    }

    #[test]
    fn the_plan_is_the_same_every_time() {
        let grids = |p: &CountyPlan| -> Vec<(String, String, String)> {
            p.grids()
                .map(|(_, c, g)| (c.name.clone(), g.id.0.clone(), g.polygon.to_string()))
                .collect()
        };
        assert_eq!(
            grids(&reference_plan()),
            grids(&reference_plan()),
            "a fixed seed draws the same county"
        );
    }

    #[test]
    fn the_history_drives_the_real_workflow_without_a_refusal() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&format!(
            "sqlite:{}",
            dir.path().join("ledger.sqlite").display()
        ))
        .unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-26T15:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let spec = HistorySpec {
            cases: 400,
            days: 40,
            on_spot_findings: 20,
            patrol_days: 2,
            seed: 7,
        };
        let (report, check, states_recent) = ledger
            .write_blocking(move |tx| {
                let seeded = seed_county(tx, &small_plan(), "not a real hash", true, now)?;
                let reference = Reference {
                    org: tx.load_org()?,
                    categories: tx.load_categories()?,
                    calendar: WorkingCalendar::china(),
                };
                let report = seed_history(tx, &reference, &seeded, &spec, now, &|_| {})?;
                let check = crate::storage::audit::check_ledger(tx)?;
                let mut recent = BTreeSet::new();
                for id in tx.case_ids()? {
                    let c = tx.case(&id)?.expect("listed cases exist");
                    if c.reported_at > now - Duration::days(3) {
                        recent.insert(c.state);
                    }
                }
                Ok((report, check, recent))
            })
            .unwrap();
        assert_eq!(
            (report.refused, report.first_refusal.as_deref()),
            (0, None),
            "every simulated action is one the workflow permits"
        );
        assert_eq!(report.cases, 400, "every planned case was reported");
        assert!(
            check.failures.is_empty() && check.cases == 400,
            "every chain verifies: {:?}",
            check.failures
        );
        assert_eq!(check.events, report.events, "each event counted once");
        let closed = report.states.get(&CaseState::Closed).copied().unwrap_or(0);
        assert!(
            closed > 340 && closed < 400,
            "most cases are closed, some are still open: {closed}"
        );
        assert!(
            states_recent.len() >= 3,
            "the last days leave work in several states: {states_recent:?}"
        );
        assert!(
            report.reworked > 0 && report.rated > 200 && report.supervised > 0,
            "rework, ratings and 督办 all happen: {report:?}"
        );
        assert!(
            report.findings >= 320 && report.patrols > 20,
            "grid cases open with findings, and grids are patrolled: {report:?}"
        );
    }
}
