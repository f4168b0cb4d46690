//! YAML with spans: parser events turned into an arena tree, read through merge-aware accessors,
//! and the comments of the file.

mod build;
mod comments;
mod tree;

pub use build::{
    DEFAULT_ALIAS_BUDGET, DEFAULT_MAX_DEPTH, Limits, ParsedFile, SyntaxError, TooDeep, parse,
    parse_each, parse_each_skipping, parse_skipping,
};
pub use comments::Comment;
pub use tree::{Document, Node, NodeId, NodeKind, ScalarStyle, Tree};

#[cfg(test)]
mod tests;
