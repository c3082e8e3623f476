//! How SQLite's errors become [`StoreError`]s: the ones a provider should
//! retry (answered 503 + Retry-After) are [`StoreError::Unavailable`], the
//! rest [`StoreError::Other`].

use rusqlite::ErrorCode;

use crate::contract::StoreError;

/// Errors the provider should retry (answered 503 + Retry-After) versus the
/// rest: the database busy or locked by another connection, a full or
/// read-only disk, I/O errors, memory.
pub(super) fn store_error(err: rusqlite::Error) -> StoreError {
    let transient = match &err {
        rusqlite::Error::SqliteFailure(e, _) => matches!(
            e.code,
            ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::DiskFull
                | ErrorCode::ReadOnly
                | ErrorCode::SystemIoFailure
                | ErrorCode::CannotOpen
                | ErrorCode::OutOfMemory
                | ErrorCode::PermissionDenied
                | ErrorCode::FileLockingProtocolFailed
        ),
        _ => false,
    };
    if transient {
        StoreError::Unavailable(err.to_string())
    } else {
        StoreError::Other(err.to_string())
    }
}
