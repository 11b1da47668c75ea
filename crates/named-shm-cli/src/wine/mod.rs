//! Windows programs under Wine or Proton: the catalogue of titles whose
//! names the bridge serves, and rewriting a Proton command line so that the
//! bridge's helper starts the program.

pub mod catalogue;
pub mod proton;
