"""The contract suite: checks any server against the Rancher 1.x contract of every resource of
the spec set (apiKey, registryCredential, registry, ...).

Aim it at a server with RANCHER_URL (the API base, ending in /v1), RANCHER_ACCESS_KEY and
RANCHER_SECRET_KEY (RANCHER_AUTH=off for a server with access control off), then run `pytest
contract_tests`, or `rancher-contract test`, which adds the exit codes, the summary and, without a
URL, the reference server.
"""
