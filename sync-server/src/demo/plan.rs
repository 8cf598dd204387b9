//! The plan of the reference county (docs/DESIGN.md §8): its townships and streets, villages and
//! communities, and grids of the three kinds, laid out on the lattice. The same plan every time.

use super::geometry::*;
use super::*;
use crate::seed::{CommunityPlan, CountyPlan, GridPlan, TownshipPlan};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use yiwang_core::ids::OrgUnitId;
use yiwang_core::org::GridKind;

/// Seed of the plan: the county is the same on every machine.
pub(super) const PLAN_SEED: u64 = 0x0021_0882;

/// What kind of township a unit is: streets (街道) hold communities, towns (镇) hold villages,
/// and the development zone holds mostly enterprises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TownshipKind {
    Street,
    Zone,
    Town,
}

/// The 17 townships and streets, with how many communities or villages each holds (283).
pub(super) const TOWNSHIPS: [(&str, TownshipKind, usize); 17] = [
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
pub(super) const COMMUNITY_NAMES: &str = concat!(
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
pub(super) const VILLAGE_FAMILIES: &str = concat!(
    "王家 李家 张家 刘家 赵家 孙家 周家 吴家 郑家 何家 高家 马家 于家 ",
    "董家 曲家 邢家 杨家 徐家 韩家 冯家 宋家 唐家 许家 邓家 傅家 沈家 ",
    "曹家 彭家 袁家 潘家 蒋家 蔡家 陶家 姜家 崔家 谭家 范家 汪家 陆家 ",
    "金家 石家 贾家 夏家 付家 方家 白家 孟家 秦家 邱家 尹家 薛家 闫家 ",
    "段家 侯家 史家 贺家 郝家 邵家 万家 钱家 武家 戴家 孔家 汤家"
);
pub(super) const VILLAGE_PLACES: &str = "堡 屯 沟 岭 台 窝堡 房身 甸子 营 寨 岗 坎";
pub(super) const SCHOOLS: &[&str] = &[
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
pub(super) const ENTERPRISES: &[&str] = &[
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

/// Splits `total` over `weights` in proportion (largest remainder), each getting at least one.
pub(super) fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
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
pub(super) fn scatter(rng: &mut StdRng, count: usize, weights: &[f64], cap: usize) -> Vec<usize> {
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

/// The reference county of docs/DESIGN.md §8: 17 townships and streets, 283 villages and
/// communities, 1,798 grids (1,480 urban-rural, 69 school, 249 enterprise), every community
/// with at least one grid, every grid a 300–500 m rectangle, each township's grids contiguous.
/// Ids follow the county code: township `210882001`, community `210882001001`, grid
/// `210882001001-01`. The same plan every time.
pub fn reference_plan() -> CountyPlan {
    county_plan(0)
}

/// County `k` of a demo province (`demo --counties N`): county 0 is the reference county itself;
/// every other is drawn by the same generator from its own seed, with its own code (`county_id`)
/// and name, tiled beside the others (`county_centre`: ten to a row, about 25 km apart, so no
/// two counties' grids overlap).
pub fn county_plan(k: usize) -> CountyPlan {
    let county_id = county_id(k);
    let mut rng = StdRng::seed_from_u64(PLAN_SEED + k as u64);
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
    let lattice = Lattice::new(&mut rng, radius, county_centre(k));
    let mut cell = cells.into_iter();

    let mut townships: Vec<TownshipPlan> = TOWNSHIPS
        .iter()
        .enumerate()
        .map(|(t, (name, _, _))| TownshipPlan {
            id: format!("{county_id}{:03}", t + 1).into(),
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
        id: county_id.into(),
        name: county_name(k),
        townships,
    }
}

/// The administrative code of county `k`: the reference county's for 0, the codes after it for
/// the others (six digits up to k = 117).
pub fn county_id(k: usize) -> String {
    if k == 0 {
        COUNTY_ID.to_owned()
    } else {
        (210_882 + k).to_string()
    }
}

/// The name of county `k`.
pub fn county_name(k: usize) -> String {
    if k == 0 {
        "大石桥市".to_owned()
    } else {
        format!("示范县{:03}", k + 1)
    }
}

/// Where county `k`'s grids are tiled around: the reference county's [`CENTRE`] for 0, then ten
/// to a row eastwards, rows southwards.
pub fn county_centre(k: usize) -> (f64, f64) {
    let (row, col) = ((k / 10) as f64, (k % 10) as f64);
    (CENTRE.0 - 0.25 * row, CENTRE.1 + 0.3 * col)
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;

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
    fn a_provinces_counties_have_their_own_codes_and_places_and_the_same_shape() {
        let plans: Vec<CountyPlan> = [0, 1, 9, 10, 99].into_iter().map(county_plan).collect();
        assert_eq!(
            plans[0].grids().count(),
            reference_plan().grids().count(),
            "county 0 is the reference county"
        );
        let mut ids = BTreeSet::new();
        let mut boxes = vec![];
        for p in &plans {
            assert_eq!(p.id.as_str().len(), 6, "{} is a six-digit code", p.id);
            assert_eq!(p.townships.len(), 17);
            assert_eq!(
                p.grids().count(),
                URBAN_RURAL_GRIDS + SCHOOL_GRIDS + ENTERPRISE_GRIDS
            );
            for (t, c, g) in p.grids() {
                assert!(
                    g.id.as_str().starts_with(c.id.as_str())
                        && c.id.as_str().starts_with(t.id.as_str())
                        && t.id.as_str().starts_with(p.id.as_str()),
                    "ids nest under county {}",
                    p.id
                );
                assert!(ids.insert(g.id.clone()), "grid {} is unique", g.id);
            }
            let all = rects(p)
                .into_iter()
                .map(|r| r.2)
                .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
                .unwrap();
            boxes.push((p.id.clone(), all));
        }
        for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                let (a, b) = (boxes[i].1, boxes[j].1);
                assert!(
                    a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1,
                    "counties {} and {} lie apart",
                    boxes[i].0,
                    boxes[j].0
                );
            }
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
}
