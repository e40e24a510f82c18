"""What people read: the terminal's text tables, the robustness statements, and the
self-contained HTML report.
"""
