//! The facts adminlint reasons about: workloads, images, commands, roles and the project.
pub mod command;
pub mod image;
pub mod peers;
pub mod project;
pub mod role;
pub mod workload;
