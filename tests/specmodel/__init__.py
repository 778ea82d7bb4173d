"""Tests of the spec model (rancher_contract.specmodel)."""
