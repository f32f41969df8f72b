//! The types of GitHub Projects (v2) that gh's `issue view` and `pr view` select through
//! `projectItems`. Projects are not built, so every item connection is empty; nothing here
//! builds these values.
//!
//! What this module must not do: invent project items.

// Declared so gh's queries validate; built once projects exist.
#![allow(dead_code)]

use async_graphql::{ID, SimpleObject, Union};

#[derive(SimpleObject)]
pub struct ProjectV2 {
    id: ID,
    title: String,
}

#[derive(SimpleObject)]
pub struct ProjectV2ItemFieldSingleSelectValue {
    option_id: Option<String>,
    name: Option<String>,
}

#[derive(SimpleObject)]
pub struct ProjectV2ItemFieldTextValue {
    text: Option<String>,
}

#[derive(Union)]
pub enum ProjectV2ItemFieldValue {
    SingleSelect(ProjectV2ItemFieldSingleSelectValue),
    Text(ProjectV2ItemFieldTextValue),
}

pub struct ProjectV2Item {
    id: ID,
    project: ProjectV2,
}

#[async_graphql::Object]
impl ProjectV2Item {
    async fn id(&self) -> &ID {
        &self.id
    }
    async fn project(&self) -> &ProjectV2 {
        &self.project
    }
    async fn field_value_by_name(&self, name: String) -> Option<ProjectV2ItemFieldValue> {
        let _ = name;
        None
    }
}
