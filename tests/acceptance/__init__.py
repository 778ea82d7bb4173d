"""Acceptance tests of the reference server: black-box HTTP, one test per row of the apiKey
contract."""
