//! Resource downloads (`/dataset/{id}/resource/{rid}/download/{file}`, CKAN's
//! `views/resource.py:download`): who may fetch what, and the one place every read of a
//! file of a dataset that is not open passes through.

use chrono::NaiveDateTime;
use kho_core::dataset::resource_url;
use kho_core::model::{Dataset, Resource, ResourceFile, ALIAS_PACKAGE, STATE_ACTIVE};
use kho_core::visibility::{dataset_labels, PUBLIC_LABEL};
use kho_core::{Error, Msg, Result};

use crate::actions::datasets::can_read;
use crate::{Catalog, Ctx};

/// What a download of a resource is.
#[derive(Debug, Clone)]
pub enum Download {
    /// A link resource: CKAN redirects to its URL.
    Redirect(String),
    /// An uploaded file.
    File(FileDownload),
}

#[derive(Debug, Clone)]
pub struct FileDownload {
    pub file: ResourceFile,
    /// The resource's `mimetype`, else guessed from the file name.
    pub mimetype: String,
    /// The resource's `last_modified`, else when the file was stored.
    pub last_modified: NaiveDateTime,
    /// The dataset is open: anyone may fetch and cache the file.
    pub open: bool,
}

/// A read of a dataset that is not open, as the sharing log records it.
#[derive(Debug, Clone)]
pub struct RestrictedRead<'a> {
    pub dataset: &'a Dataset,
    pub resource: Option<&'a Resource>,
    /// `download`, `package_show`, `resource_show`, …
    pub action: &'a str,
    /// `allowed` or `denied`.
    pub outcome: &'a str,
}

impl Catalog {
    /// The download of resource `resource_id` of dataset `dataset` (id or name) for this
    /// caller. A resource that is not there, not active, not of that dataset, or of a
    /// dataset the caller may not read is not found (CKAN answers 404 for all of them, so
    /// nothing tells a private dataset exists).
    pub async fn resource_download(
        &self,
        ctx: &Ctx,
        dataset: &str,
        resource_id: &str,
    ) -> Result<Download> {
        let not_found = || Error::not_found("Resource not found");
        let mut tx = self.store().read().await?;
        let r = tx
            .resource_get(resource_id)
            .await?
            .filter(|r| r.state == STATE_ACTIVE)
            .ok_or_else(not_found)?;
        let d = tx.package_get(&r.package_id).await?.ok_or_else(not_found)?;
        // The dataset in the address may be a former name of the resource's dataset.
        if d.id != dataset && d.name != dataset {
            let alias = tx.alias_get(ALIAS_PACKAGE, dataset).await?;
            if alias.is_none_or(|a| a.target_id != d.id) {
                return Err(not_found());
            }
        }
        let open = dataset_labels(&d).iter().any(|l| l == PUBLIC_LABEL);
        let allowed = can_read(self, tx.as_mut(), ctx, &d).await?;
        if !open {
            self.log_restricted_read(
                ctx,
                &RestrictedRead {
                    dataset: &d,
                    resource: Some(&r),
                    action: "download",
                    outcome: if allowed { "allowed" } else { "denied" },
                },
            )
            .await;
        }
        if !allowed {
            return Err(not_found());
        }
        if r.url_type.as_deref() != Some("upload") {
            let url = resource_url(&r, &d.dataset_type, &self.config().site_url);
            if url.is_empty() {
                return Err(not_found());
            }
            return Ok(Download::Redirect(url));
        }
        let Some(file) = tx.resource_file_get(&r.id).await? else {
            tracing::warn!(resource = %r.id, "an upload resource has no stored file");
            return Err(Error::not_found(Msg::new(
                "The file of this resource is missing",
            )));
        };
        let mimetype = r
            .mimetype
            .clone()
            .filter(|m| !m.trim().is_empty())
            .or_else(|| kho_files::guess_mimetype(&file.file_name, &[]))
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        Ok(Download::File(FileDownload {
            last_modified: r.last_modified.unwrap_or(file.created),
            file,
            mimetype,
            open,
        }))
    }
}
