"""Tests of the spec rules (`rancher-contract lint-spec`)."""
