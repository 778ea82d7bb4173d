"""rancher-contract: the Rancher 1.x apiKey resource, specified, generated and verifiable."""

__all__ = ["__version__"]

__version__ = "0.1.0"
