//! sim-aws: the AWS simulator.
