//! The category tree (事件分类): two levels, data not code.
//!
//! Top classes follow the urban-management standard (GB/T 30428: public facilities, roads,
//! appearance and environment, greening, housing and land; advertising, construction,
//! emergencies, street order) and the grid-governance classes (disputes, safety hazards, public
//! security, livelihood requests, special groups, petitions). Each leaf carries its handling
//! deadline (处置时限) for normal and urgent cases, in working hours or working days, and the
//! department a case of that kind goes to by default.
//!
//! The built-in tree lives in `core/data/categories.json`; admins edit their county's copy and
//! it travels to devices as reference data.

use crate::calendar::WorkDuration;
use crate::ids::{CategoryCode, DepartmentId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The built-in tree, as shipped in the repository.
pub const BUILTIN_CATEGORIES_JSON: &str = include_str!("../data/categories.json");
/// The built-in department list the categories point at.
pub const BUILTIN_DEPARTMENTS_JSON: &str = include_str!("../data/departments.json");

/// Unit of a deadline rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeadlineUnit {
    WorkingHours,
    WorkingDays,
}

/// How long a dispatched case of a category may take, counted on the working calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineRule {
    pub unit: DeadlineUnit,
    pub normal: u32,
    pub urgent: u32,
}

impl DeadlineRule {
    pub fn duration(&self, urgent: bool) -> WorkDuration {
        let n = if urgent { self.urgent } else { self.normal };
        match self.unit {
            DeadlineUnit::WorkingHours => WorkDuration::WorkingHours(n),
            DeadlineUnit::WorkingDays => WorkDuration::WorkingDays(n),
        }
    }
}

/// One node of the tree. Top classes have no parent, no deadline and no department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    pub code: CategoryCode,
    pub name: String,
    pub name_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<CategoryCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DeadlineRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<DepartmentId>,
}

impl Category {
    pub fn is_leaf(&self) -> bool {
        self.parent.is_some()
    }
}

/// The file format: top classes with their leaves nested.
#[derive(Debug, Deserialize, Serialize)]
struct TreeFile {
    classes: Vec<ClassFile>,
}

#[derive(Debug, Deserialize, Serialize)]
struct ClassFile {
    code: CategoryCode,
    name: String,
    name_en: String,
    leaves: Vec<LeafFile>,
}

#[derive(Debug, Deserialize, Serialize)]
struct LeafFile {
    code: CategoryCode,
    name: String,
    name_en: String,
    deadline: DeadlineRule,
    department: DepartmentId,
}

/// Reasons a category tree is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryError {
    #[error("the category file is not valid: {0}")]
    Format(String),
    #[error("category code {0} appears twice")]
    Duplicate(CategoryCode),
    #[error("category {0}: an urgent deadline must not be longer than the normal one")]
    UrgentLonger(CategoryCode),
    #[error("category {0}: a deadline must be at least one hour or day")]
    ZeroDeadline(CategoryCode),
    #[error("category {0} has no leaves")]
    EmptyClass(CategoryCode),
}

/// The two-level tree, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CategoryTree {
    nodes: BTreeMap<CategoryCode, Category>,
    order: Vec<CategoryCode>,
}

impl CategoryTree {
    /// The tree shipped in `core/data/categories.json`.
    pub fn builtin() -> Self {
        Self::from_json(BUILTIN_CATEGORIES_JSON).expect("the built-in category file is valid")
    }

    /// Reads the nested file format (`{"classes": [{code, name, name_en, leaves: [...]}]}`).
    pub fn from_json(json: &str) -> Result<Self, CategoryError> {
        let file: TreeFile =
            serde_json::from_str(json).map_err(|e| CategoryError::Format(e.to_string()))?;
        let mut nodes = Vec::new();
        for class in file.classes {
            if class.leaves.is_empty() {
                return Err(CategoryError::EmptyClass(class.code));
            }
            nodes.push(Category {
                code: class.code.clone(),
                name: class.name,
                name_en: class.name_en,
                parent: None,
                deadline: None,
                department: None,
            });
            for leaf in class.leaves {
                nodes.push(Category {
                    code: leaf.code,
                    name: leaf.name,
                    name_en: leaf.name_en,
                    parent: Some(class.code.clone()),
                    deadline: Some(leaf.deadline),
                    department: Some(leaf.department),
                });
            }
        }
        Self::from_nodes(nodes)
    }

    /// Builds a tree from flat nodes (as they are stored and synced), checking it.
    pub fn from_nodes(nodes: impl IntoIterator<Item = Category>) -> Result<Self, CategoryError> {
        let mut tree = CategoryTree::default();
        for n in nodes {
            if tree.nodes.contains_key(&n.code) {
                return Err(CategoryError::Duplicate(n.code));
            }
            if let Some(d) = &n.deadline {
                if d.normal == 0 || d.urgent == 0 {
                    return Err(CategoryError::ZeroDeadline(n.code));
                }
                if d.urgent > d.normal {
                    return Err(CategoryError::UrgentLonger(n.code));
                }
            }
            tree.order.push(n.code.clone());
            tree.nodes.insert(n.code.clone(), n);
        }
        for n in tree.nodes.values() {
            if let Some(p) = &n.parent {
                match tree.nodes.get(p) {
                    Some(parent) if parent.parent.is_none() => {}
                    _ => return Err(CategoryError::Format(format!("{}: bad parent {p}", n.code))),
                }
                if n.deadline.is_none() || n.department.is_none() {
                    return Err(CategoryError::Format(format!(
                        "leaf {} needs a deadline and a department",
                        n.code
                    )));
                }
            }
        }
        Ok(tree)
    }

    pub fn get(&self, code: &CategoryCode) -> Option<&Category> {
        self.nodes.get(code)
    }

    /// A leaf category: the only kind a case or finding may carry.
    pub fn leaf(&self, code: &CategoryCode) -> Option<&Category> {
        self.nodes.get(code).filter(|c| c.is_leaf())
    }

    /// All nodes in file order (each class followed by its leaves).
    pub fn iter(&self) -> impl Iterator<Item = &Category> {
        self.order.iter().map(|c| &self.nodes[c])
    }

    pub fn classes(&self) -> impl Iterator<Item = &Category> {
        self.iter().filter(|c| !c.is_leaf())
    }

    pub fn leaves(&self) -> impl Iterator<Item = &Category> {
        self.iter().filter(|c| c.is_leaf())
    }

    pub fn children<'a>(&'a self, class: &'a CategoryCode) -> impl Iterator<Item = &'a Category> {
        self.iter()
            .filter(move |c| c.parent.as_ref() == Some(class))
    }

    /// The top class a code belongs to (itself, for a class).
    pub fn class_of<'a>(&'a self, code: &'a CategoryCode) -> Option<&'a Category> {
        let n = self.nodes.get(code)?;
        match &n.parent {
            Some(p) => self.nodes.get(p),
            None => Some(n),
        }
    }
}

/// Reads the department list file (`[{"id", "name"}]`).
pub fn builtin_departments() -> Vec<crate::org::Department> {
    serde_json::from_str(BUILTIN_DEPARTMENTS_JSON).expect("the built-in department file is valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn builtin_tree_is_broad_enough_and_consistent() {
        let tree = CategoryTree::builtin();
        let classes = tree.classes().count();
        let leaves = tree.leaves().count();
        assert!(classes >= 10, "at least 10 top classes, found {classes}");
        assert!(leaves >= 80, "at least 80 leaves, found {leaves}");
        let depts: BTreeSet<_> = builtin_departments().into_iter().map(|d| d.id).collect();
        for leaf in tree.leaves() {
            let d = leaf.department.as_ref().unwrap();
            assert!(
                depts.contains(d),
                "leaf {} points at unknown department {d}",
                leaf.code
            );
            assert!(
                !leaf.name.is_empty() && !leaf.name_en.is_empty(),
                "{} is named",
                leaf.code
            );
        }
        for class in tree.classes() {
            assert!(
                tree.children(&class.code).count() > 0,
                "class {} has leaves",
                class.code
            );
        }
    }

    #[test]
    fn bad_files_are_refused_with_their_reason() {
        let dup = r#"{"classes":[{"code":"01","name":"a","name_en":"a","leaves":[
            {"code":"01","name":"b","name_en":"b","deadline":{"unit":"working_days","normal":3,"urgent":1},"department":"x"}]}]}"#;
        assert_eq!(
            CategoryTree::from_json(dup).unwrap_err(),
            CategoryError::Duplicate("01".into()),
            "a leaf may not reuse its class's code"
        );
        let urgent_longer = r#"{"classes":[{"code":"01","name":"a","name_en":"a","leaves":[
            {"code":"01.01","name":"b","name_en":"b","deadline":{"unit":"working_hours","normal":2,"urgent":8},"department":"x"}]}]}"#;
        assert_eq!(
            CategoryTree::from_json(urgent_longer).unwrap_err(),
            CategoryError::UrgentLonger("01.01".into()),
            "urgent must be quicker"
        );
        assert!(matches!(
            CategoryTree::from_json("{"),
            Err(CategoryError::Format(_))
        ));
    }
}
