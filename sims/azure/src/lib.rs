//! sim-azure
pub mod api_versions;
pub mod shapes;
