"""A small web shop as a package: three submodules, three leaks, one per module.

Used by examples/realworld/shop_package.py, which documents the case. Each
submodule reproduces one public report:

  shop.orders    an unbounded module-level cache of Order objects
  shop.notify    a Notifier's bound method added to a module-level listener list
                 for every checkout, never removed
  shop.sessions  per-session state kept in a module-level dict after the
                 session has closed
"""
from . import notify, orders, sessions  # noqa: F401
