//! Personal data in open data (requirement 16). Every uploaded file is screened
//! (`crate::screening`) and what was found is stored with it. A dataset may not be open
//! (active with `sharing_level: open`) while one of its active resources' files holds
//! personal data that no override covers: every dataset write records its activity
//! through [`super::record_package_activity`], which calls [`ensure_may_be_open`], so the
//! rule holds on every path that can leave a dataset open (create, update, patch,
//! revise, resource writes, bulk changes). An organization admin may record an override
//! with a reason (`package_personal_data_override`); it covers the files screened up to
//! then and is logged in the dataset's activity.

use kho_core::authz::Permission;
use kho_core::model::{Dataset, PersonalDataOverride, ResourceFile};
use kho_core::params::{req_str, Params};
use kho_core::time::{isoformat, now_utc};
use kho_core::visibility::{dataset_labels, PUBLIC_LABEL};
use kho_core::{Error, Msg, Result};
use kho_store::Tx;
use serde_json::{json, Value};

use super::datasets::{can_read, dataset_perm, owner_perm, read_denied};
use super::{action, not_authorized_on, record_activity};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

/// The longest override reason kept.
const REASON_MAX: usize = 2_000;

pub fn register(r: &mut Registry) {
    action!(
        r,
        "package_personal_data_show",
        true,
        package_personal_data_show,
        "What the personal-data screen found in a dataset's uploaded files, and the \
         overrides recorded for it. For those who may edit the dataset.\n\n\
         :param id: the id or name of the dataset\n\
         :returns: `{package_id, blocking, files: [{resource_id, file_name, screened, \
         covered, findings: [{column, kind, count, values, examples}]}], overrides: [{id, \
         user_id, reason, created}]}`; `blocking` is true when the dataset may not be open \
         until an override is recorded; `kind` is citizen_id, legacy_id, mobile or email; \
         examples are masked",
        [("id", "string", true, "the id or name of the dataset")],
        "`{package_id, blocking, files, overrides}`"
    );
    action!(
        r,
        "package_personal_data_override",
        false,
        package_personal_data_override,
        "Let a dataset be open although the personal-data screen found personal data in \
         its files (for example, officials' work phone numbers published by law). For \
         admins of the dataset's organization and sysadmins. The override covers the \
         files screened up to now; a file uploaded later with personal data blocks again. \
         It is recorded in the dataset's activity with the reason and the actor, and \
         cannot be edited or deleted.\n\n\
         :param id: the id or name of the dataset\n\
         :param reason: why the data may be published\n\
         :returns: the override `{id, package_id, user_id, reason, created}`",
        [
            ("id", "string", true, "the id or name of the dataset"),
            (
                "reason",
                "string",
                true,
                "why the personal data may be published"
            ),
        ],
        "`{id, package_id, user_id, reason, created}`"
    );
}

/// Refuse a write that leaves `d` open while files of it hold personal data that no
/// override covers: a Validation Error (409) on `personal_data` naming each file,
/// column and kind.
pub(crate) async fn ensure_may_be_open(tx: &mut dyn Tx, d: &Dataset) -> Result<()> {
    if dataset_labels(d) != [PUBLIC_LABEL] {
        return Ok(());
    }
    let blocking = tx.personal_data_unresolved(&d.id).await?;
    if blocking.is_empty() {
        return Ok(());
    }
    let mut messages = vec![Msg::new(
        "Personal data found: the dataset cannot be open unless an organization admin records an override (package_personal_data_override)",
    )];
    for f in &blocking {
        for finding in findings(f) {
            let template = match finding["kind"].as_str().unwrap_or_default() {
                "citizen_id" => "%{file}, column %{column}: %{count} citizen identity numbers",
                "legacy_id" => "%{file}, column %{column}: %{count} identity card numbers",
                "mobile" => "%{file}, column %{column}: %{count} mobile phone numbers",
                _ => "%{file}, column %{column}: %{count} e-mail addresses",
            };
            messages.push(
                Msg::new(template)
                    .arg("file", &f.file_name)
                    .arg("column", finding["column"].as_str().unwrap_or_default())
                    .arg("count", finding["count"].as_u64().unwrap_or_default()),
            );
        }
    }
    let mut errors = kho_core::error::ErrorDict::new();
    errors.insert(
        "personal_data".to_owned(),
        kho_core::error::FieldErrors::Messages(messages),
    );
    Err(Error::Validation(errors))
}

/// The findings stored with a file (none when it was not screened).
fn findings(f: &ResourceFile) -> Vec<Value> {
    f.screening
        .as_deref()
        .and_then(|s| serde_json::from_str::<Vec<Value>>(s).ok())
        .unwrap_or_default()
}

/// The dataset `id` names, if the caller may read it (`package_show`'s answers
/// otherwise).
async fn readable(c: &Catalog, tx: &mut dyn Tx, ctx: &Ctx, id: &str) -> Result<Dataset> {
    let d = tx.package_get(id).await?.ok_or(Error::NotFound(None))?;
    if !can_read(c, tx, ctx, &d).await? {
        return Err(read_denied(ctx, id));
    }
    Ok(d)
}

async fn package_personal_data_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let mut tx = c.store().read().await?;
    let d = readable(c, tx.as_mut(), ctx, &id).await?;
    if !dataset_perm(c, tx.as_mut(), ctx, &d, Permission::UpdateDataset).await? {
        return Err(not_authorized_on(
            ctx,
            "User %{user} not authorized to edit package %{id}",
            &d.id,
        ));
    }
    let unresolved: Vec<String> = tx
        .personal_data_unresolved(&d.id)
        .await?
        .into_iter()
        .map(|f| f.resource_id)
        .collect();
    let active: Vec<&str> = d
        .resources
        .iter()
        .filter(|r| r.state == kho_core::model::STATE_ACTIVE)
        .map(|r| r.id.as_str())
        .collect();
    let files: Vec<Value> = tx
        .resource_files_of_package(&d.id)
        .await?
        .into_iter()
        .filter(|f| active.contains(&f.resource_id.as_str()))
        .map(|f| {
            let found = findings(&f);
            json!({
                "resource_id": f.resource_id,
                "file_name": f.file_name,
                "screened": f.screening.is_some(),
                "covered": !found.is_empty() && !unresolved.contains(&f.resource_id),
                "findings": found,
            })
        })
        .collect();
    let overrides: Vec<Value> = tx
        .personal_data_overrides(&d.id)
        .await?
        .iter()
        .map(override_dict)
        .collect();
    Ok(json!({
        "package_id": d.id,
        "blocking": !unresolved.is_empty(),
        "files": files,
        "overrides": overrides,
    }))
}

fn override_dict(o: &PersonalDataOverride) -> Value {
    json!({
        "id": o.id,
        "package_id": o.package_id,
        "user_id": o.user_id,
        "reason": o.reason,
        "created": isoformat(&o.created),
    })
}

async fn package_personal_data_override(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let reason = match p.get("reason") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => return Err(Error::missing("reason")),
    };
    if reason.chars().count() > REASON_MAX {
        return Err(Error::field(
            "reason",
            Msg::new("Must be a maximum of %{n} characters long").arg("n", REASON_MAX),
        ));
    }
    let Some(user) = ctx.actor.user() else {
        return Err(not_authorized_on(
            ctx,
            "User %{user} not authorized to edit package %{id}",
            &id,
        ));
    };
    let mut tx = c.store().begin().await?;
    let d = readable(c, tx.as_mut(), ctx, &id).await?;
    // The organization's admins decide, not its editors or the dataset's collaborators.
    if !owner_perm(tx.as_mut(), ctx, &d, Permission::Admin).await? {
        return Err(not_authorized_on(
            ctx,
            "User %{user} not authorized to override the personal-data screen of dataset %{id}",
            &d.id,
        ));
    }
    let covered: Vec<Value> = tx
        .personal_data_unresolved(&d.id)
        .await?
        .iter()
        .map(|f| json!({"resource_id": f.resource_id, "file_name": f.file_name, "findings": findings(f)}))
        .collect();
    let o = PersonalDataOverride {
        id: uuid::Uuid::new_v4().to_string(),
        package_id: d.id.clone(),
        user_id: user.id.clone(),
        reason,
        created: now_utc(),
    };
    tx.personal_data_override_insert(&o).await?;
    // Logged as a "changed package" activity (the type CKAN's activity list knows), with
    // the dataset as it stands, the override and what it covers.
    let dict = super::datasets::dataset_dict(
        c,
        tx.as_mut(),
        &d,
        kho_core::dataset::PackageDictOptions::default(),
    )
    .await?;
    record_activity(
        tx.as_mut(),
        &user.id,
        &d.id,
        "changed package",
        json!({
            "package": dict,
            "actor": ctx.actor.display(),
            "personal_data_override": {
                "id": o.id,
                "reason": o.reason,
                "files": covered,
            },
        }),
        dataset_labels(&d),
    )
    .await?;
    tx.commit().await?;
    Ok(override_dict(&o))
}
