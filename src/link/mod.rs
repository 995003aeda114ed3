//! Record linkage.
