//! Streaming change detectors (placeholder, filled in by the drift crate work).
