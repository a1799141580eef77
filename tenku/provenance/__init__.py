"""Provenance: every video tenku makes says where it came from, three ways at once.

A visible moving mark (``visible``), an invisible watermark in the picture (``watermark``), a
signed C2PA manifest (``manifest`` with the keys of ``authority``), and a perceptual
fingerprint indexed by the server (``fingerprint``) so a clip stripped of all three can still
be traced.
"""
