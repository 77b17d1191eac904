"""flexplan: configuration-as-code for Twilio Flex messaging."""

__version__ = "0.1.0"
