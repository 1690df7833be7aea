//! The user's files are private: what Coinlytics creates for its data,
//! logs and settings (e-mail addresses, alert notes, holdings) is readable
//! by the user alone, whatever the umask. Directories it creates are 0700,
//! its database 0600, the config file 0600 (a temporary file's mode, kept
//! by the rename). A directory that already exists is left as it is: it
//! may be the user's own (`--data-dir /tmp/x` must not change /tmp).

use std::io;
use std::path::Path;

/// Creates `dir` and its missing parents, each 0700.
pub fn dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Makes the file `path`, which Coinlytics owns, 0600.
pub fn file(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}
