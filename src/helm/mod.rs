//! Helm charts: the Go template language (`template/`) and, on top of it, charts rendered in-process.

pub mod template;
