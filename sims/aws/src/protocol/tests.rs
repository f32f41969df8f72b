//! Protocol corner cases, with small hand-written models.
