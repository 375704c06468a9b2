//! status_show and help_show.

use kho_core::params::{req_str, Params};
use kho_core::{Error, Result};
use serde_json::{json, Value};

use super::{action, pd};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

/// The CKAN version whose API behaviour kho reproduces.
pub const CKAN_VERSION: &str = "2.12.0";

pub fn register(r: &mut Registry) {
    action!(r, "status_show", true, status_show,
        "Return a dictionary with information about the site's configuration.\n\n:rtype: dictionary",
        &[], "status");
    action!(r, "help_show", true, help_show,
        "Return the help string for a particular API action.\n\n:param name: Action function name (eg `user_create`, `package_search`)\n:type name: string\n:returns: The help string for the action function, or None if the function does not have a docstring.\n:rtype: string",
        &[pd("name", "string", true, "action name")], "string");
}

pub(crate) async fn status_show(c: &Catalog, _ctx: &Ctx, _p: Params) -> Result<Value> {
    let cfg = c.config();
    Ok(json!({
        "site_title": cfg.site_title,
        "site_description": cfg.site_description,
        "site_url": cfg.site_url,
        "error_emails_to": cfg.error_emails_to,
        "locale_default": cfg.locale_default,
        "extensions": ["activity"],
        "ckan_version": CKAN_VERSION,
    }))
}

pub(crate) async fn help_show(c: &Catalog, _ctx: &Ctx, p: Params) -> Result<Value> {
    let name = req_str(&p, "name")?;
    match c.registry().get(&name) {
        Some(def) => Ok(Value::String(def.doc.to_string())),
        None => Err(Error::not_found("Action function not found")),
    }
}
