//! The facts adminlint reasons about: workloads, images, commands, roles and the project.
pub mod apart;
pub mod command;
pub mod compose;
pub mod declare;
pub mod explain;
pub mod image;
pub mod project;
pub mod release;
pub mod rendered;
pub mod role;
pub mod script;
pub mod sibling;
pub mod workload;
