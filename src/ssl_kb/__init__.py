"""ssl-kb: a verified knowledge base and quiz generator for self-supervised learning in vision.

This module stays free of heavy imports: ``ssl_kb.losses`` must import with only torch present,
and ``ssl-kb --help`` must start quickly.
"""

__version__ = "0.1.0"
