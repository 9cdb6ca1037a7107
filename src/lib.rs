//! Engine and dashboard for training the classic IMDB dense network.
//!
//! The library contains everything the binary, the tests and the benches
//! share. The engine is data preparation ([`data`]), the network and its
//! optimizer ([`model`]), the background trainer ([`train`]) and live
//! prediction ([`predict`]). Around it are the dataset download
//! ([`fetch`]), the message catalog ([`i18n`]), the command line ([`cli`])
//! and the terminal dashboard ([`ui`]).

pub mod atomic;
pub mod cli;
pub mod data;
pub mod fetch;
pub mod i18n;
pub mod logging;
pub mod model;
pub mod predict;
pub mod train;
pub mod ui;
