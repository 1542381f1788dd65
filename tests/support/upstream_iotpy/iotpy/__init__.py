"""A strict stand-in for upstream IOTpy 0.3's package, written from iotpy.md §3 (not upstream's code).

It behaves as upstream where upstream is stricter than PyIoT: one global registry of metric names
(a duplicate or invalid name raises, as Prometheus' does), values through `float()` (a non-numeric
string raises), no `init()` call. Tests run PyIoT's example device files against it to show they also
run under upstream.
"""
