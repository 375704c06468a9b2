//! Dataset labels, collaborators and access grants: the rows behind
//! `kho_core::visibility`.

use chrono::NaiveDateTime;
use kho_core::model::{AccessGrant, Collaborator, Dataset, Grantee};
use kho_core::visibility::dataset_labels;

use super::super::rows::{self, ts, ts_opt, COLLABORATOR_COLUMNS, GRANT_COLUMNS};
use super::{bind_all, placeholders, SqlTx};
use crate::StoreResult;

impl SqlTx {
    /// Replace the dataset's labels with those `kho_core::visibility` gives it now.
    /// A dataset that loses `public` here gets a tombstone; one that gains it loses its.
    pub(super) async fn write_package_labels(&mut self, d: &Dataset) -> StoreResult<()> {
        let was_public = self.was_public(&d.id).await?;
        let id = self.backend.text(&d.id);
        self.exec(sqlx::query("DELETE FROM package_labels WHERE package_id = $1").bind(id.clone()))
            .await?;
        let labels: std::collections::BTreeSet<String> = dataset_labels(d).into_iter().collect();
        let now_public = labels.contains(kho_core::visibility::PUBLIC_LABEL);
        for label in labels {
            self.exec(
                sqlx::query("INSERT INTO package_labels (package_id, label) VALUES ($1, $2)")
                    .bind(id.clone())
                    .bind(self.backend.text(&label)),
            )
            .await?;
        }
        self.track_tombstone(d, was_public, now_public).await
    }

    pub(super) async fn do_collaborator_upsert(&mut self, c: &Collaborator) -> StoreResult<()> {
        let (package_id, user_id) = (
            self.backend.text(&c.package_id),
            self.backend.text(&c.user_id),
        );
        let updated = self
            .exec(
                sqlx::query(
                    "UPDATE package_collaborators SET capacity = $3, modified = $4 \
                     WHERE package_id = $1 AND user_id = $2",
                )
                .bind(package_id.clone())
                .bind(user_id.clone())
                .bind(self.backend.text(&c.capacity))
                .bind(ts(&c.modified)),
            )
            .await?;
        if updated == 0 {
            let sql = format!(
                "INSERT INTO package_collaborators ({COLLABORATOR_COLUMNS}) VALUES ({})",
                placeholders(1, 4)
            );
            self.exec(
                sqlx::query(&sql)
                    .bind(package_id)
                    .bind(user_id)
                    .bind(self.backend.text(&c.capacity))
                    .bind(ts(&c.modified)),
            )
            .await?;
        }
        Ok(())
    }

    pub(super) async fn do_collaborator_get(
        &mut self,
        package_id: &str,
        user_id: &str,
    ) -> StoreResult<Option<Collaborator>> {
        let sql = format!(
            "SELECT {COLLABORATOR_COLUMNS} FROM package_collaborators \
             WHERE package_id = $1 AND user_id = $2"
        );
        let row = self
            .optional(
                sqlx::query(&sql)
                    .bind(self.backend.text(package_id))
                    .bind(self.backend.text(user_id)),
            )
            .await?;
        row.map(|r| rows::one(self.backend, &r, rows::collaborator))
            .transpose()
    }

    pub(super) async fn do_collaborator_delete(
        &mut self,
        package_id: &str,
        user_id: &str,
    ) -> StoreResult<bool> {
        let n = self
            .exec(
                sqlx::query(
                    "DELETE FROM package_collaborators WHERE package_id = $1 AND user_id = $2",
                )
                .bind(self.backend.text(package_id))
                .bind(self.backend.text(user_id)),
            )
            .await?;
        Ok(n > 0)
    }

    /// Collaborator rows where `column` (`package_id` or `user_id`) equals `value`.
    pub(super) async fn collaborators_where(
        &mut self,
        column: &str,
        value: &str,
        then_by: &str,
    ) -> StoreResult<Vec<Collaborator>> {
        let sql = format!(
            "SELECT {COLLABORATOR_COLUMNS} FROM package_collaborators WHERE {column} = $1 \
             ORDER BY modified, {then_by}"
        );
        let rows = self
            .all(sqlx::query(&sql).bind(self.backend.text(value)))
            .await?;
        rows::all(self.backend, &rows, rows::collaborator)
    }

    pub(super) async fn do_grant_upsert(&mut self, g: &AccessGrant) -> StoreResult<()> {
        let updated = self
            .exec(
                sqlx::query(
                    "UPDATE access_grants SET reason = $4, expires = $5, created = $6, \
                     created_by = $7 \
                     WHERE package_id = $1 AND grantee_type = $2 AND grantee_id = $3",
                )
                .bind(self.backend.text(&g.package_id))
                .bind(g.grantee_type.as_str().to_owned())
                .bind(self.backend.text(&g.grantee_id))
                .bind(self.backend.text(&g.reason))
                .bind(ts_opt(g.expires.as_ref()))
                .bind(ts(&g.created))
                .bind(self.backend.text(&g.created_by)),
            )
            .await?;
        if updated == 0 {
            let sql = format!(
                "INSERT INTO access_grants ({GRANT_COLUMNS}) VALUES ({})",
                placeholders(1, 8)
            );
            self.exec(
                sqlx::query(&sql)
                    .bind(self.backend.text(&g.id))
                    .bind(self.backend.text(&g.package_id))
                    .bind(g.grantee_type.as_str().to_owned())
                    .bind(self.backend.text(&g.grantee_id))
                    .bind(self.backend.text(&g.reason))
                    .bind(ts_opt(g.expires.as_ref()))
                    .bind(ts(&g.created))
                    .bind(self.backend.text(&g.created_by)),
            )
            .await?;
        }
        Ok(())
    }

    pub(super) async fn do_grant_delete(
        &mut self,
        package_id: &str,
        grantee_type: Grantee,
        grantee_id: &str,
    ) -> StoreResult<bool> {
        let n = self
            .exec(
                sqlx::query(
                    "DELETE FROM access_grants \
                     WHERE package_id = $1 AND grantee_type = $2 AND grantee_id = $3",
                )
                .bind(self.backend.text(package_id))
                .bind(grantee_type.as_str().to_owned())
                .bind(self.backend.text(grantee_id)),
            )
            .await?;
        Ok(n > 0)
    }

    pub(super) async fn do_grants_of_package(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<AccessGrant>> {
        let sql = format!(
            "SELECT {GRANT_COLUMNS} FROM access_grants WHERE package_id = $1 \
             ORDER BY created, id"
        );
        let rows = self
            .all(sqlx::query(&sql).bind(self.backend.text(package_id)))
            .await?;
        rows::all(self.backend, &rows, rows::grant)
    }

    pub(super) async fn do_granted_package_ids(
        &mut self,
        user_id: &str,
        org_ids: &[String],
        now: NaiveDateTime,
    ) -> StoreResult<Vec<String>> {
        // Timestamps are stored in one fixed-width-prefix ISO form, so text order is time
        // order.
        let mut params = vec![ts(&now), self.backend.text(user_id)];
        let mut sql = String::from(
            "SELECT DISTINCT package_id FROM access_grants \
             WHERE (expires IS NULL OR expires > $1) \
             AND NOT EXISTS (SELECT 1 FROM suspensions s \
                 WHERE s.kind = 'grant' AND s.target_id = access_grants.id) \
             AND ((grantee_type = 'user' AND grantee_id = $2)",
        );
        if !org_ids.is_empty() {
            let first = params.len() + 1;
            params.extend(org_ids.iter().map(|o| self.backend.text(o)));
            sql.push_str(&format!(
                " OR (grantee_type = 'organization' AND grantee_id IN ({}))",
                placeholders(first, org_ids.len())
            ));
        }
        sql.push_str(") ORDER BY package_id");
        let rows = self.all(bind_all(&sql, &params)).await?;
        rows::all(self.backend, &rows, rows::package_id)
    }

    pub(super) async fn do_user_in_active_organization(
        &mut self,
        user_id: &str,
    ) -> StoreResult<bool> {
        let row = self
            .optional(
                sqlx::query(
                    "SELECT 1 AS one FROM members m JOIN groups g ON g.id = m.group_id \
                     WHERE m.table_id = $1 AND m.table_name = 'user' AND m.state = 'active' \
                     AND g.is_organization = 1 AND g.state = 'active' LIMIT 1",
                )
                .bind(self.backend.text(user_id)),
            )
            .await?;
        Ok(row.is_some())
    }
}
