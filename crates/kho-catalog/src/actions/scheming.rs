//! ckanext-scheming's schema actions: the dataset and organization profiles in force,
//! as scheming's `logic.py` returns them.

use kho_core::params::{asbool, req_str, Params};
use kho_core::{Error, Result};
use serde_json::{json, Map, Value};

use super::{action, pd};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

pub fn register(r: &mut Registry) {
    action!(r, "scheming_dataset_schema_list", true, scheming_dataset_schema_list,
        "Return a list of dataset types customized with the scheming extension\n\n(kho: the types of the configured dataset profiles, `dataset` and `service` by default; empty when the profiles are off)",
        &[], "array");
    action!(r, "scheming_dataset_schema_show", true, scheming_dataset_schema_show,
        "Return the scheming schema for a given dataset type\n\n:param type: the dataset type\n:param expanded: True to expand presets (default)",
        &[pd("type", "string", true, "the dataset type"), pd("expanded", "boolean", false, "expand presets (default true)")],
        "object");
    action!(r, "scheming_organization_schema_list", true, scheming_organization_schema_list,
        "Return a list of organization types customized with the scheming extension\n\n(kho: the type of the configured organization profile; empty when the profile is off)",
        &[], "array");
    action!(r, "scheming_organization_schema_show", true, scheming_organization_schema_show,
        "Return the scheming schema for a given organization type\n\n:param type: the organization type\n:param expanded: True to expand presets (default)",
        &[pd("type", "string", true, "the organization type"), pd("expanded", "boolean", false, "expand presets (default true)")],
        "object");
}

pub(crate) async fn scheming_dataset_schema_list(
    c: &Catalog,
    _ctx: &Ctx,
    _p: Params,
) -> Result<Value> {
    Ok(json!(c
        .config()
        .profiles
        .dataset_schemas()
        .map(|s| s.dataset_type.clone())
        .collect::<Vec<_>>()))
}

/// A profile's type, its file as written and its expanded form.
type SchemaForms<'a> = (&'a str, &'a Map<String, Value>, &'a Map<String, Value>);

/// `raw` or `expanded` of the schema whose type is asked for, else "Not found".
fn pick(p: &Params, found: Option<SchemaForms<'_>>) -> Result<Value> {
    let t = req_str(p, "type")?;
    let expanded = asbool(p, "expanded", true)?;
    match found {
        Some((ty, raw, exp)) if ty == t => Ok(Value::Object(if expanded {
            exp.clone()
        } else {
            raw.clone()
        })),
        _ => Err(Error::NotFound(None)),
    }
}

pub(crate) async fn scheming_dataset_schema_show(
    c: &Catalog,
    _ctx: &Ctx,
    p: Params,
) -> Result<Value> {
    let t = req_str(&p, "type")?;
    let s = c.config().profiles.dataset_for(&t);
    pick(
        &p,
        s.map(|s| (s.dataset_type.as_str(), &s.raw, &s.expanded)),
    )
}

pub(crate) async fn scheming_organization_schema_list(
    c: &Catalog,
    _ctx: &Ctx,
    _p: Params,
) -> Result<Value> {
    Ok(json!(c
        .config()
        .profiles
        .organization
        .iter()
        .map(|s| s.organization_type.clone())
        .collect::<Vec<_>>()))
}

pub(crate) async fn scheming_organization_schema_show(
    c: &Catalog,
    _ctx: &Ctx,
    p: Params,
) -> Result<Value> {
    let s = c.config().profiles.organization.as_deref();
    pick(
        &p,
        s.map(|s| (s.organization_type.as_str(), &s.raw, &s.expanded)),
    )
}
