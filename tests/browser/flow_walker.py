"""Walks Home Assistant's config flow dialog in the browser, generically: reads each form's schema from
the frontend's own flow step, fills it with plausible values (entities of the right domain and device
class that exist, defaults, the first option of a select), submits it through the dialog's own submit
button, and records what each step shows.
"""

import contextlib
from dataclasses import dataclass, field

from browser_harness import navigate, screenshot, translation_problems  # type: ignore[import-not-found]
from playwright.sync_api import Error as PlaywrightError, Page

DEEP_TEXT = """(root) => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === 3) { const text = node.textContent.trim(); if (text) out.push(text); return; }
    if (node.nodeType === 1 && (node.tagName === 'STYLE' || node.tagName === 'SCRIPT')) return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(root);
  return out.join(' | ');
}"""

CURRENT_STEP = """() => {
  const find = (root, tags) => {
    for (const node of root.querySelectorAll('*')) {
      if (tags.includes(node.tagName.toLowerCase())) return node;
      if (node.shadowRoot) { const found = find(node.shadowRoot, tags); if (found) return found; }
    }
    return null;
  };
  const tags = ['step-flow-form', 'step-flow-menu', 'step-flow-abort', 'step-flow-create-entry',
                'step-flow-progress', 'step-flow-external'];
  const element = find(document, tags);
  if (!element) return null;
  const step = element.step || {};
  return { element: element.tagName.toLowerCase(), type: step.type || null, step_id: step.step_id || null,
           flow_id: step.flow_id || null, errors: step.errors || null, reason: step.reason || null };
}"""

# Fills the form of the shown step: defaults and suggested values first, else a plausible value for
# the selector (an existing entity that matches its filter, a number in range, the first option).
FILL_FORM = """() => {
  const find = (root, tag) => {
    for (const node of root.querySelectorAll('*')) {
      if (node.tagName.toLowerCase() === tag) return node;
      if (node.shadowRoot) { const found = find(node.shadowRoot, tag); if (found) return found; }
    }
    return null;
  };
  const form = find(document, 'step-flow-form');
  const hass = document.querySelector('home-assistant').hass;
  const entities = Object.values(hass.states);
  const list = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const pickEntities = (spec) => {
    const filters = list(spec.filter).length ? list(spec.filter) : [spec];
    return entities.filter((state) => filters.some((filter) => {
      const domains = list(filter.domain);
      const classes = list(filter.device_class);
      return (!domains.length || domains.includes(state.entity_id.split('.')[0]))
        && (!classes.length || classes.includes(state.attributes.device_class));
    })).map((state) => state.entity_id);
  };
  const used = new Set();
  const preset = (field) => {  // what the frontend itself puts in the form (it drops null)
    const suggested = field.description ? field.description.suggested_value : undefined;
    const value = suggested !== undefined && suggested !== null ? suggested : field.default;
    return value === null ? undefined : value;
  };
  const valueFor = (field) => {
    if (field.type === 'expandable') return fill(field.schema);
    const selector = field.selector || {};
    const [kind] = Object.keys(selector);
    const spec = selector[kind] || {};
    if (kind === 'entity') {
      // A user picks entities: an unused one that matches the filter, else what the form proposes.
      const found = pickEntities(spec).filter((entity) => !used.has(entity));
      if (!found.length) return preset(field);
      used.add(found[0]);
      return spec.multiple ? [found[0]] : found[0];
    }
    if (preset(field) !== undefined) return preset(field);
    if (!field.required) return undefined;
    switch (kind) {
      case 'text': return spec.type === 'url' ? 'http://127.0.0.1' : 'Browser test';
      case 'number':
        return spec.min !== undefined ? Math.max(spec.min, Math.min(spec.max ?? spec.min, 1)) : 1;
      case 'boolean': return false;
      case 'select': {
        const first = (spec.options || [])[0];
        const value = typeof first === 'object' ? first.value : first;
        return spec.multiple ? [value] : value;
      }
      case 'duration': return { hours: 0, minutes: 5, seconds: 0 };
      case 'time': return '06:30:00';
      default:
        if (field.type === 'string') return 'Browser test';
        if (field.type === 'integer' || field.type === 'float') return field.valueMin ?? 1;
        if (field.type === 'boolean') return false;
        if (field.type === 'select') return field.options?.[0]?.[0];
        return undefined;
    }
  };
  const fill = (schema) => {
    const data = {};
    for (const field of schema || []) {
      const value = valueFor(field);
      if (value !== undefined) data[field.name] = value;
    }
    return data;
  };
  const data = fill(form.step.data_schema);
  const haForm = form.shadowRoot.querySelector('ha-form');  // none for a form without fields
  if (haForm) haForm.dispatchEvent(new CustomEvent('value-changed', { detail: { value: data } }));
  return data;
}"""


@dataclass
class StepSeen:
    """What one step of a walk showed."""

    path: str
    element: str
    step_id: str | None
    text: str
    problems: list[str]
    screenshot: str
    errors: dict[str, str] | None = None


@dataclass
class Walk:
    """Every step seen in one flow."""

    steps: list[StepSeen] = field(default_factory=list)

    @property
    def problems(self) -> dict[str, list[str]]:
        """Steps whose text shows a broken translation."""
        return {step.screenshot: step.problems for step in self.steps if step.problems}


def current_step(page: Page) -> dict[str, object] | None:
    """The flow step the dialog shows now."""
    return page.evaluate(CURRENT_STEP)  # type: ignore[no-any-return]


def dialog_text(page: Page) -> str:
    """Everything the flow dialog shows, shadow roots included."""
    return str(page.locator("dialog-data-entry-flow").evaluate(DEEP_TEXT))


def wait_for_new_step(page: Page, previous: dict[str, object] | None) -> dict[str, object]:
    """Wait until the dialog shows another step than `previous` (or a form with errors)."""
    try:
        page.wait_for_function(
            f"""(previous) => {{
            const step = ({CURRENT_STEP})();
            if (!step) return previous !== null;  // the dialog closed itself
            if (!previous) return step.element !== 'step-flow-progress';
            return step.element !== previous.element || step.step_id !== previous.step_id
                || JSON.stringify(step.errors) !== JSON.stringify(previous.errors);
        }}""",
            arg=previous,
            timeout=30_000,
        )
    except PlaywrightError:
        screenshot(page, "timeout-waiting-for-a-new-step")  # what the user saw instead
        raise
    page.wait_for_timeout(300)  # let the step render its texts
    return current_step(page) or {"element": "closed", "step_id": None, "errors": None}


def record(page: Page, walk: Walk, path: str, step: dict[str, object]) -> None:
    """Check and screenshot the step shown."""
    text = dialog_text(page)
    name = f"flow-{path}-{len(walk.steps)}-{step['step_id'] or step['element']}".replace("/", "-")
    screenshot(page, name)
    walk.steps.append(
        StepSeen(
            path=path,
            element=str(step["element"]),
            step_id=step["step_id"],  # type: ignore[arg-type]
            text=text,
            problems=translation_problems(text),
            screenshot=name,
            errors=step["errors"],  # type: ignore[arg-type]
        )
    )


def walk_forms(page: Page, walk: Walk, path: str, first: dict[str, object], max_steps: int = 12) -> None:
    """From the step shown, fill and submit forms until the flow ends, stops on errors or aborts."""
    step = first
    for _ in range(max_steps):
        if step["element"] == "closed":
            return
        record(page, walk, path, step)
        if step["element"] != "step-flow-form":
            return
        if step["errors"] and len(walk.steps) > 1 and walk.steps[-2].step_id == step["step_id"]:
            return  # the same form again with errors: what a user would see; the walk stops here
        page.evaluate(FILL_FORM)
        page.locator("dialog-data-entry-flow ha-button[slot='primaryAction']").click()
        step = wait_for_new_step(page, step)
    raise AssertionError(f"{path}: more than {max_steps} steps")


def open_add_integration(page: Page, url: str, brand: str) -> dict[str, object]:
    """Settings > Devices & services > Add integration > `brand`: the first step of its flow."""
    navigate(page, url + "/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click()
    search = page.locator("dialog-add-integration input").first
    search.fill(brand)
    page.locator("dialog-add-integration").get_by_text(brand, exact=True).click()
    another = page.locator("dialog-add-integration").get_by_text(f"Set up another instance of {brand}")
    for _ in range(150):  # 30 s
        if current_step(page) is not None:
            break
        if another.is_visible():  # devices it discovered are offered first, as to a user
            another.click()
            break
        page.wait_for_timeout(200)
    return wait_for_new_step(page, None)


def close_dialog(page: Page) -> None:
    """Close the flow dialog: its close button as a user would, else a reload (the flow stays open)."""
    if current_step(page) is None:
        return
    closer = page.locator(
        "dialog-data-entry-flow ha-icon-button[dialogAction='close'], "
        "dialog-data-entry-flow ha-dialog-header ha-icon-button"
    ).first
    with contextlib.suppress(PlaywrightError):
        closer.click(timeout=3_000)
        page.wait_for_function(f"() => ({CURRENT_STEP})() === null", timeout=5_000)
        return
    page.reload()
    page.wait_for_function(f"() => ({CURRENT_STEP})() === null", timeout=10_000)


MENU_ITEMS = "ha-md-list-item, ha-list-item, mwc-list-item"

SET_FORM = """(data) => {
  const find = (root, tag) => {
    for (const node of root.querySelectorAll('*')) {
      if (node.tagName.toLowerCase() === tag) return node;
      if (node.shadowRoot) { const found = find(node.shadowRoot, tag); if (found) return found; }
    }
    return null;
  };
  const form = find(document, 'step-flow-form');
  const event = new CustomEvent('value-changed', { detail: { value: data } });
  form.shadowRoot.querySelector('ha-form').dispatchEvent(event);
}"""


def open_entry_flow(page: Page, url: str, title: str, kind: str) -> dict[str, object]:
    """Open the options ("Configure") or reconfigure flow of an entry from its integration page."""
    navigate(page, f"{url}/config/integrations/integration/pyiot")
    row = page.locator("ha-config-entry-row", has_text=title).first
    if kind == "options":
        row.get_by_role("button", name="Configure").click()
    else:
        row.locator("ha-dropdown").first.click()
        row.locator("ha-dropdown-item", has_text="Reconfigure").first.click()
    return wait_for_new_step(page, None)


def choose(page: Page, step: dict[str, object], label: str) -> dict[str, object]:
    """Click the menu option that reads `label` (its translated text, as a user sees it)."""
    page.locator("step-flow-menu").locator(MENU_ITEMS).filter(has_text=label).first.click()
    return wait_for_new_step(page, step)


def submit(page: Page, step: dict[str, object], data: dict[str, object] | None) -> dict[str, object]:
    """Put `data` in the form shown (as its fields would; None: as it is) and press its submit button."""
    if data is not None:
        page.evaluate(SET_FORM, data)
    page.locator("dialog-data-entry-flow ha-button[slot='primaryAction']").click()
    return wait_for_new_step(page, step)


def step_placeholders(page: Page) -> dict[str, str]:
    """The description placeholders of the step shown."""
    script = CURRENT_STEP.replace(
        "return { element:", "return { placeholders: step.description_placeholders || {}, element:"
    )
    shown = page.evaluate(script)
    return dict(shown["placeholders"]) if shown else {}
