//! Roles: is a workload the app's long-running process or a one-off admin process, and why.

/// The role of a workload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Role {
    /// Serves the app: compared against, never flagged as an admin.
    LongRunning(String),
    /// A one-off admin process: checked against its release peers.
    Admin(String),
    /// Declared `adminlint.io/role: ignore`: neither checked nor compared.
    Ignored(String),
}

impl Role {
    /// True for admin processes.
    pub fn is_admin(&self) -> bool {
        matches!(self, Role::Admin(_))
    }

    /// True for long-running workloads.
    pub fn is_long_running(&self) -> bool {
        matches!(self, Role::LongRunning(_))
    }

    /// Why the role was given, for messages and `--explain` style output.
    pub fn reason(&self) -> &str {
        match self {
            Role::LongRunning(r) | Role::Admin(r) | Role::Ignored(r) => r,
        }
    }
}
