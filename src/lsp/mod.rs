//! The language server (`adminlint lsp`): findings and quick fixes in the editor, over stdio.
//!
//! Built on `lsp-server` (transport, ordered messages) and `lsp-types` (protocol types). The
//! server keeps the open buffers, checks the workspace with them through [`crate::check`] (the
//! same discovery and rules as the CLI) and publishes the findings of the open documents.

mod actions;
mod diagnostics;
mod documents;
mod position;
mod server;
mod uri;

pub use server::{run, serve};
