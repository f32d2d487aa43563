"""CPOR explained: a Teams and Outlook bot that explains a partner's CPOR claim to the customer."""

__version__ = "0.1.0"
