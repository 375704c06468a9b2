//! Former names (`name_aliases`): what renames and merges leave behind so that old names
//! keep resolving, and the grants a merge moves.

use kho_core::model::{AccessGrant, Grantee, NameAlias};

use super::super::rows::{self, ts, ALIAS_COLUMNS, GRANT_COLUMNS};
use super::SqlTx;
use crate::StoreResult;

impl SqlTx {
    /// The id an alias of this kind and name points at.
    pub(super) async fn alias_target(
        &mut self,
        kind: &str,
        name: &str,
    ) -> StoreResult<Option<String>> {
        Ok(self.do_alias_get(kind, name).await?.map(|a| a.target_id))
    }

    pub(super) async fn do_alias_put(&mut self, a: &NameAlias) -> StoreResult<()> {
        let (kind, name) = (self.backend.text(&a.kind), self.backend.text(&a.name));
        self.exec(
            sqlx::query("DELETE FROM name_aliases WHERE kind = $1 AND name = $2")
                .bind(kind.clone())
                .bind(name.clone()),
        )
        .await?;
        let sql = format!("INSERT INTO name_aliases ({ALIAS_COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
        self.exec(
            sqlx::query(&sql)
                .bind(kind)
                .bind(name)
                .bind(self.backend.text(&a.target_id))
                .bind(ts(&a.created))
                .bind(self.backend.text(&a.created_by)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_alias_get(
        &mut self,
        kind: &str,
        name: &str,
    ) -> StoreResult<Option<NameAlias>> {
        let sql = format!("SELECT {ALIAS_COLUMNS} FROM name_aliases WHERE kind = $1 AND name = $2");
        let row = self
            .optional(
                sqlx::query(&sql)
                    .bind(self.backend.text(kind))
                    .bind(self.backend.text(name)),
            )
            .await?;
        row.map(|r| rows::one(self.backend, &r, rows::alias))
            .transpose()
    }

    pub(super) async fn do_aliases_of(
        &mut self,
        kind: &str,
        target_id: &str,
    ) -> StoreResult<Vec<NameAlias>> {
        let sql = format!(
            "SELECT {ALIAS_COLUMNS} FROM name_aliases WHERE kind = $1 AND target_id = $2 \
             ORDER BY created, name"
        );
        let found = self
            .all(
                sqlx::query(&sql)
                    .bind(self.backend.text(kind))
                    .bind(self.backend.text(target_id)),
            )
            .await?;
        rows::all(self.backend, &found, rows::alias)
    }

    pub(super) async fn do_alias_delete(&mut self, kind: &str, name: &str) -> StoreResult<bool> {
        let n = self
            .exec(
                sqlx::query("DELETE FROM name_aliases WHERE kind = $1 AND name = $2")
                    .bind(self.backend.text(kind))
                    .bind(self.backend.text(name)),
            )
            .await?;
        Ok(n > 0)
    }

    pub(super) async fn do_aliases_retarget(
        &mut self,
        kind: &str,
        from_id: &str,
        to_id: &str,
    ) -> StoreResult<u64> {
        self.exec(
            sqlx::query(
                "UPDATE name_aliases SET target_id = $3 WHERE kind = $1 AND target_id = $2",
            )
            .bind(self.backend.text(kind))
            .bind(self.backend.text(from_id))
            .bind(self.backend.text(to_id)),
        )
        .await
    }

    /// Forget every alias of an object (it is purged: its former names are free again).
    pub(super) async fn aliases_drop(&mut self, kind: &str, target_id: &str) -> StoreResult<()> {
        self.exec(
            sqlx::query("DELETE FROM name_aliases WHERE kind = $1 AND target_id = $2")
                .bind(self.backend.text(kind))
                .bind(self.backend.text(target_id)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_grants_to(
        &mut self,
        grantee_type: Grantee,
        grantee_id: &str,
    ) -> StoreResult<Vec<AccessGrant>> {
        let sql = format!(
            "SELECT {GRANT_COLUMNS} FROM access_grants \
             WHERE grantee_type = $1 AND grantee_id = $2 ORDER BY created, id"
        );
        let found = self
            .all(
                sqlx::query(&sql)
                    .bind(self.backend.text(grantee_type.as_str()))
                    .bind(self.backend.text(grantee_id)),
            )
            .await?;
        rows::all(self.backend, &found, rows::grant)
    }
}
