//! Helm charts: the Go template language (`template/`) and, on top of it, charts read from
//! their directories (`chart`), their values (`values`) and rendered as `helm template` does
//! (`render`).

pub mod chart;
pub mod render;
pub mod source_map;
pub mod template;
pub mod values;
