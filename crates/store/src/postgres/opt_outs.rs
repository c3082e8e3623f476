//! Opt-outs in PostgreSQL: the candidate rows `opt_outs.rs` folds, and the
//! API's changes.

use deadpool_postgres::Pool;
use smsgate_normalize::views::OptOutView;

use super::errors::{pg_error, pool_error};
use crate::contract::StoreError;
use crate::opt_outs::{
    API_CHANGES, Change, INBOUND_COLUMNS, POSTGRES_WORDS, inbound_change, opted_out, spellings, stored_api_change,
};

pub(super) async fn opt_out(pool: &Pool, number: &str) -> Result<Option<OptOutView>, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    let [plus, bare] = spellings(number);
    let inbound = client
        .query_opt(
            &format!(
                r#"SELECT {INBOUND_COLUMNS} FROM inbound_messages
                   WHERE "from" IN ($1, $2) AND {POSTGRES_WORDS} ORDER BY received_at DESC, id DESC LIMIT 1"#
            ),
            &[&plus, &bare],
        )
        .await
        .map_err(pg_error)?;
    let api = client
        .query_opt(
            &format!("{API_CHANGES} WHERE number = $1 ORDER BY at DESC, id DESC LIMIT 1"),
            &[&number],
        )
        .await
        .map_err(pg_error)?;
    let mut changes = Vec::new();
    if let Some(row) = inbound {
        changes.extend(inbound_change(&row)?);
    }
    if let Some(row) = api {
        changes.push(stored_api_change(&row)?);
    }
    Ok(opted_out(changes).into_iter().next())
}

pub(super) async fn opt_outs(pool: &Pool) -> Result<Vec<OptOutView>, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    let inbound = client
        .query(
            &format!(r#"SELECT {INBOUND_COLUMNS} FROM inbound_messages WHERE {POSTGRES_WORDS}"#),
            &[],
        )
        .await
        .map_err(pg_error)?;
    let api = client.query(API_CHANGES, &[]).await.map_err(pg_error)?;
    let mut changes = Vec::with_capacity(inbound.len() + api.len());
    for row in &inbound {
        changes.extend(inbound_change(row)?);
    }
    for row in &api {
        changes.push(stored_api_change(row)?);
    }
    Ok(opted_out(changes))
}

pub(super) async fn change(pool: &Pool, change: &Change) -> Result<(), StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    client
        .execute(
            "INSERT INTO opt_out_changes (number, opted_out, at, source) VALUES ($1, $2, $3, $4)",
            &[&change.number, &change.opted_out, &change.at, &change.source],
        )
        .await
        .map_err(pg_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn queries_repeat_the_predicate_of_the_partial_index() {
        assert!(include_str!("migrations/0003_opt_outs.sql").contains(super::POSTGRES_WORDS));
    }
}
