//! Roles: is a workload the app's long-running process or a one-off admin process, and why.
//!
//! Extraction records raw [`signals`] only (declarations, hooks, restart policies, Compose
//! completion waits); [`classify`] turns them into a [`Role`] after the fact cache and after the
//! project is assembled, so a change of policy never goes stale in the cache. The [`reason`] is
//! data; its text exists only for messages and `--explain-context`.

pub mod classify;
pub mod oneshot;
pub mod reason;
pub mod signals;
mod stage;

pub use classify::{classify, classify_container};
pub use reason::Reason;
pub use signals::{Declaration, Hook, HookTool, Signals};

/// What a workload (or container) is to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleKind {
    /// Serves the app: compared against, never flagged as an admin.
    LongRunning,
    /// A one-off admin process: checked against its release peers.
    Admin,
    /// Declared `ignore`: neither checked nor compared.
    Ignored,
}

impl RoleKind {
    /// The word `--explain-context` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::LongRunning => "long-running",
            RoleKind::Admin => "admin",
            RoleKind::Ignored => "ignored",
        }
    }
}

/// The role of a workload, with the signal that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Long-running, admin or ignored.
    pub kind: RoleKind,
    /// Why.
    pub reason: Reason,
}

impl Role {
    /// A role of `kind` for `reason`.
    pub fn new(kind: RoleKind, reason: Reason) -> Self {
        Role { kind, reason }
    }

    /// True for admin processes.
    pub fn is_admin(&self) -> bool {
        self.kind == RoleKind::Admin
    }

    /// True for long-running workloads.
    pub fn is_long_running(&self) -> bool {
        self.kind == RoleKind::LongRunning
    }

    /// True for workloads declared `ignore`, and Helm test hooks.
    pub fn is_ignored(&self) -> bool {
        self.kind == RoleKind::Ignored
    }
}

/// The classified roles of one workload: its own, and which of its containers are admin
/// processes (with why). Built by [`crate::model::project::Project::classify_roles`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The workload's role.
    pub role: Role,
    /// Per container (same order as the workload's), why it is an admin process; None when
    /// it is not one.
    pub admin: Vec<Option<Reason>>,
}
