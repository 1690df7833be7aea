//! `api_tokens`: the local API's tokens, each kept as its hash.

use rusqlite::{Connection, OptionalExtension, params};

use crate::model::access::{Scope, TokenHash, TokenInfo};

const COLUMNS: &str = "name, scope, created_at, expires_at, last_used_at";

fn info(r: &rusqlite::Row) -> rusqlite::Result<TokenInfo> {
    let scope: String = r.get(1)?;
    Ok(TokenInfo {
        name: r.get(0)?,
        // The table's CHECK allows only these two.
        scope: Scope::parse(&scope).unwrap_or(Scope::Read),
        created_at: r.get(2)?,
        expires_at: r.get(3)?,
        last_used_at: r.get(4)?,
    })
}

/// Adds a token; false if one has that name already.
pub fn insert(conn: &Connection, t: &TokenInfo, hash: &TokenHash) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO api_tokens (name, hash, scope, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO NOTHING",
        )?
        .execute(params![
            t.name,
            &hash.0[..],
            t.scope.as_str(),
            t.created_at,
            t.expires_at
        ])?;
    Ok(n == 1)
}

/// Every token, oldest first.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<TokenInfo>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM api_tokens ORDER BY created_at, name"
    ))?
    .query_map([], info)?
    .collect()
}

/// Every token with its hash, to compare a presented token against.
pub fn with_hashes(conn: &Connection) -> rusqlite::Result<Vec<(TokenInfo, TokenHash)>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS}, hash FROM api_tokens"))?
        .query_map([], |r| {
            let hash: Vec<u8> = r.get(5)?;
            // A hash of another length (a hand-edited row) matches no token.
            let hash = <[u8; 32]>::try_from(hash.as_slice()).unwrap_or([0; 32]);
            Ok((info(r)?, TokenHash(hash)))
        })?
        .collect()
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM api_tokens")?
        .query_row([], |r| r.get(0))
}

/// Removes the named token; returns it, or none if there is none.
pub fn delete(conn: &Connection, name: &str) -> rusqlite::Result<Option<TokenInfo>> {
    conn.prepare_cached(&format!(
        "DELETE FROM api_tokens WHERE name = ?1 RETURNING {COLUMNS}"
    ))?
    .query_row([name], info)
    .optional()
}

pub fn touch(conn: &Connection, name: &str, now_ms: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE name = ?1")?
        .execute(params![name, now_ms])?;
    Ok(())
}
