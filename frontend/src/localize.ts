// The card's own words (English; other languages fall back to it), and the texts it takes from the
// integration's translations (errors) through the frontend's localize.
import type { Decision, HomeAssistant, Translatable, WsError } from "./types";

export const STRINGS_EN: Record<string, string> = {
  "card.no_entity": "Choose a PyIoT thermostat zone in the card's settings.",
  "card.unknown_entity": "{entity} is not a PyIoT thermostat zone.",
  "card.loading": "Loading the schedule…",
  "card.next_change": "Next: {target} at {time}",
  "card.no_next_change": "No change scheduled",
  "card.source": "Now: {source}",
  "card.override": "Manual setting {target} until {time}",
  "card.away": "Away from {start} to {end}: {target}",
  "card.clear": "Clear",
  "card.resume": "Resume the schedule",
  "card.set_override": "Set now",
  "card.override_title": "Manual setting",
  "card.until_next_change": "until the next change",
  "card.for_hours": "for {hours} h",
  "card.away_title": "Away",
  "card.set_away": "Set away",
  "card.start": "Start",
  "card.end": "End",
  "card.temperature": "Temperature",
  "card.save": "Save",
  "card.delete": "Delete",
  "card.cancel": "Cancel",
  "card.add_block": "Add a block",
  "card.block_title": "Block {start}–{end}",
  "card.scope_day": "this day only",
  "card.scope_rule": "every day of this block ({days})",
  "card.copy_day": "Copy {day} to",
  "card.copy": "Copy",
  "card.dated": "{name}: {start} – {end}, {target}",
  "card.conflicts": "Rules {first} and {second} overlap with the same priority.",
  "card.error": "The change was refused: {message}",
  "editor.entity": "Thermostat zone",
  "editor.title": "Title",
  "editor.snap_minutes": "Drag step (minutes)",
  "source.schedule": "schedule '{name}'",
  "source.override": "manual setting until {until}",
  "source.preset": "preset '{name}'",
  "source.away": "away until {until}",
  "source.default": "default temperature",
  "source_text.schedule": "rule '{source}'",
  "source_text.override": "your manual setting until {until}",
  "source_text.preset": "preset '{source}'",
  "source_text.away": "the away period until {until}",
  "source_text.default": "the default target",
  "explanation.off": "off",
  "explanation.heating": "heating: {current} °C below {target} °C target from {source_text}",
  "explanation.heating_hold": "heating: {current} °C, holding the {target} °C target from {source_text}",
  "explanation.cooling": "cooling: {current} °C above {target} °C target from {source_text}",
  "explanation.cooling_hold": "cooling: {current} °C, holding the {target} °C target from {source_text}",
  "explanation.idle": "idle: {current} °C, target {target} °C from {source_text}",
  "explanation.no_setpoint": "idle: no {side} setpoint from {source_text}",
  "explanation.waiting_min_off": "waiting: minimum off time, {minutes} min left",
  "explanation.waiting_max_starts": "waiting: maximum starts per hour reached, {minutes} min left",
  "explanation.waiting_interlock": "waiting: {other} equipment still on, {minutes} min left",
  "explanation.resting_max_run": "resting: maximum run time reached, {minutes} min left",
  "explanation.holding_min_on": "holding on: minimum on time, {minutes} min left",
  "explanation.fail_safe_off": "fail-safe: no usable temperature sensor, equipment off",
  "explanation.fail_safe_frost":
    "fail-safe: no usable temperature sensor, frost protection heating {duty} % of the time",
  "explanation.preheating":
    "preheating: {current} °C, reaching {target} °C by {time} from {source_text} (starting {minutes} min early at {rate} °C/h)",
  "explanation.precooling":
    "precooling: {current} °C, reaching {target} °C by {time} from {source_text} (starting {minutes} min early at {rate} °C/h)",
};

export const LANGUAGES: Record<string, Record<string, string>> = { en: STRINGS_EN };

/** Fills `{name}` placeholders; a missing one stays visible. */
export function format(template: string, values: Record<string, unknown> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    values[name] === undefined || values[name] === null ? whole : String(values[name]),
  );
}

/** The card's text for `key` in `language` (English when missing there). */
export function cardText(language: string, key: string, values?: Record<string, unknown>): string {
  const table = LANGUAGES[language.split("-")[0]] ?? STRINGS_EN;
  return format(table[key] ?? STRINGS_EN[key] ?? key, values);
}

/** The decision's explanation in the user's language, its English text when the key is unknown. */
export function explanationText(language: string, decision: Decision): string {
  return translated(language, `explanation.${decision.explanation.key}`, decision.explanation, (values) => ({
    ...values,
    source_text: cardText(language, `source_text.${values.source_type ?? "default"}`, values),
  }));
}

/** The source of the target in force, in plain words; `at` formats its end (`until_iso`) like the card's times. */
export function sourceText(language: string, decision: Decision, at?: (iso: string) => string): string {
  const until = decision.source.placeholders.until_iso;
  const source =
    at && until ? { ...decision.source, placeholders: { ...decision.source.placeholders, until: at(until) } } : decision.source;
  return translated(language, `source.${source.kind}`, source);
}

function translated(
  language: string,
  key: string,
  item: Translatable,
  extend: (values: Record<string, string>) => Record<string, string> = (values) => values,
): string {
  if (STRINGS_EN[key] === undefined) return item.text;
  return cardText(language, key, extend(item.placeholders));
}

/** An error of a websocket command, translated by the integration's `exceptions` when it has a key. */
export function errorText(hass: HomeAssistant, error: unknown): string {
  const ws = (error ?? {}) as Partial<WsError>;
  if (ws.translation_key && ws.translation_domain) {
    const text = hass.localize(
      `component.${ws.translation_domain}.exceptions.${ws.translation_key}.message`,
      ws.translation_placeholders ?? {},
    );
    if (text) return text;
  }
  if (typeof ws.message === "string" && ws.message) return ws.message;
  return error instanceof Error ? error.message : String(error);
}
