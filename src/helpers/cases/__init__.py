"""The case studies, one module per case, each with its analysis (and, for the four cases that
take a user's file, its loader and data contract).

:mod:`~helpers.cases.retail` (chapter 12, a retailer's value analysis on CDNOW),
:mod:`~helpers.cases.craft_store` (chapter 13, a craft store's loyalty policies),
:mod:`~helpers.cases.port_terminal` (chapter 14, an oil terminal's accounts),
:mod:`~helpers.cases.bank` (chapter 15, bank value tiers),
:mod:`~helpers.cases.manufacturer` (chapter 17, a machine maker's after-sales service).
"""

from helpers.cases import bank, craft_store, manufacturer, port_terminal, retail

__all__ = ["bank", "craft_store", "manufacturer", "port_terminal", "retail"]
