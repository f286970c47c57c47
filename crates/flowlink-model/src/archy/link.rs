//! Byte-preserving link/unlink of Archy text (filled in below).

use super::ArchyError;

/// Inserts one floating `callCommonModule` of `module_name` first in the startup task.
pub fn link_archy(_text: &str, _module_name: &str) -> Result<Option<String>, ArchyError> {
    Err(ArchyError::file("not implemented yet"))
}

/// Removes the calls of `module_name`.
pub fn unlink_archy(_text: &str, _module_name: &str) -> Result<Option<String>, ArchyError> {
    Err(ArchyError::file("not implemented yet"))
}
