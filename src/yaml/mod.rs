//! YAML with spans: parser events turned into an arena tree, read through merge-aware accessors.

mod build;
mod tree;

pub use build::{Limits, ParsedFile, SyntaxError, parse};
pub use tree::{Document, Node, NodeId, NodeKind, ScalarStyle, Tree};

#[cfg(test)]
mod tests;
