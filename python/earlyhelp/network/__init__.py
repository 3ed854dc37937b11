"""earlyhelp.network"""
