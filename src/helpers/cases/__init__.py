"""The four case studies, one module per case, each with its loader and data contract.

:mod:`~helpers.cases.retail` (chapter 12, a retailer's value analysis on CDNOW),
:mod:`~helpers.cases.craft_store` (chapter 13, a craft store's loyalty policies),
:mod:`~helpers.cases.port_terminal` (chapter 14, an oil terminal's accounts),
:mod:`~helpers.cases.bank` (chapter 15, bank value tiers).
"""

from helpers.cases import bank, craft_store, port_terminal, retail

__all__ = ["bank", "craft_store", "port_terminal", "retail"]
