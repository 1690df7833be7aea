//! Work the async runtime must not wait on.

/// Runs `f` on the async runtime's blocking pool (keyring calls block on
/// D-Bus), so a front end's event loop never waits on them.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> crate::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| crate::Error::Internal(format!("a background task failed: {e}")))?
}
