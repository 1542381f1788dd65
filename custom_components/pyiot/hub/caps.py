"""A repair issue when an entry's admission caps are reached: how many nodes, and by what."""

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN
from ..core.nodes import CapReport


def caps_issue_id(entry_id: str) -> str:
    """One issue per entry for its caps."""
    return f"admission_caps_{entry_id}"


@callback
def async_report_caps(hass: HomeAssistant, entry: ConfigEntry, report: CapReport) -> None:
    """Raise (or update) the entry's caps issue while a cap is reached, delete it when none is."""
    issue_id = caps_issue_id(entry.entry_id)
    if not report.has_issue:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    by_points = ", ".join(f"{node} ({count})" for node, count in report.point_cap_nodes.items())
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="node_cap" if report.node_cap_reached else "point_cap",
        translation_placeholders={
            "entry": entry.title,
            "max_nodes": str(report.max_nodes),
            "nodes": str(report.nodes),
            "confirmed": str(report.confirmed),
            "refused": str(report.refused_nodes),
            "last_refused": report.last_refused or "-",
            "newest": ", ".join(report.newest_nodes) or "-",
            "max_points": str(report.max_points_per_node),
            "point_nodes": by_points or "-",
        },
    )
