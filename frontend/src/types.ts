// The websocket API of the PyIoT integration for the schedule card (registered by the integration).
//
//   pyiot/schedule/subscribe {entity_id, date?}           result null, then events ScheduleState
//   pyiot/schedule/get       {entity_id, date?}           result ScheduleState
//   pyiot/schedule/edit      {entity_id, edit, revision?} result ScheduleState (after the edit)
//
// Errors are Home Assistant's websocket errors; an engine validation error carries
// translation_domain "pyiot", translation_key (a key of exceptions in translations/en.json) and
// translation_placeholders.

export interface Target {
  heat: number | null;
  cool: number | null;
}

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";
export const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export type RuleKind = "recurring" | "cron" | "dated" | "away" | "override" | "default";

export interface Instruction {
  start: string;
  end: string;
  rule_id: string | null;
  kind: RuleKind;
  target: Target;
  sensors: Record<string, number>;
}

export interface Segment extends Instruction {
  start_minute: number;
  end_minute: number;
}

export interface Block {
  rule_id: string;
  name: string;
  weekday: Weekday;
  weekdays: Weekday[];
  start: string;
  end: string;
  start_minute: number;
  end_minute: number;
  overnight: boolean;
  target: Target;
  sensors: Record<string, number> | null;
}

export interface Day {
  date: string;
  weekday: Weekday;
  start: string;
  end: string;
  segments: Segment[];
  blocks: Block[];
}

export interface Period {
  rule_id: string;
  name: string;
  kind: RuleKind;
  start: string;
  end: string;
  target: Target;
}

export interface ScheduleView {
  revision: string;
  time_zone: string;
  now: string;
  week_start: string;
  start: string;
  end: string;
  default: Target;
  limits: { minimum: number; maximum: number };
  active: { rule_id: string | null; kind: RuleKind; target: Target };
  next_change: { at: string; rule_id: string | null; kind: RuleKind; target: Target } | null;
  days: Day[];
  instructions: Instruction[];
  dated: Period[];
  override: Period | null;
  away: Period | null;
  rules: Record<string, unknown>[];
  conflicts: [string, string][];
}

export interface Translatable {
  key?: string;
  kind?: string;
  placeholders: Record<string, string>;
  text: string;
}

export interface Decision {
  hvac_action: string;
  current_temperature: number | null;
  target: Target;
  preset: string | null;
  explanation: Translatable & { key: string };
  source: Translatable & { kind: string; rule_id: string | null };
  fail_safe: boolean;
}

export interface ScheduleState {
  entity_id: string;
  schedule: ScheduleView;
  decision: Decision | null;
  hold: { default_hold: number };
}

export type Edit =
  | { op: "add_block"; weekdays: Weekday[]; start: string; end: string; target: Target; name?: string }
  | { op: "move_block"; rule_id: string; weekday: Weekday; start: string; to_weekday?: Weekday; scope?: Scope }
  | { op: "resize_block"; rule_id: string; weekday: Weekday; start: string; end: string; scope?: Scope }
  | { op: "set_block_target"; rule_id: string; weekday: Weekday; target: Target; scope?: Scope }
  | { op: "delete_block"; rule_id: string; weekday: Weekday; scope?: Scope }
  | { op: "copy_day"; from: Weekday; to: Weekday[] }
  | { op: "set_override"; target: Target; duration?: number; until?: string }
  | { op: "clear_override" }
  | { op: "set_away"; start: string; end: string; target: Target }
  | { op: "clear_away" }
  | { op: "add_range"; start: string; end: string; target: Target; name?: string }
  | { op: "delete_rule"; rule_id: string };

export type Scope = "day" | "rule";

export interface WsError {
  code: string;
  message: string;
  translation_key?: string;
  translation_domain?: string;
  translation_placeholders?: Record<string, string>;
}

// The part of the frontend's `hass` object the card uses.
export interface HomeAssistant {
  language: string;
  locale?: { language: string };
  states: Record<string, { entity_id: string; state: string; attributes: Record<string, unknown> }>;
  entities?: Record<string, { entity_id: string; platform?: string }>;
  localize: (key: string, values?: Record<string, unknown>) => string;
  loadBackendTranslation?: (category: string, integration?: string) => Promise<unknown>;
  callWS: <T>(message: Record<string, unknown>) => Promise<T>;
  connection: {
    subscribeMessage: <T>(callback: (event: T) => void, message: Record<string, unknown>) => Promise<() => void>;
  };
}

export interface CardConfig {
  type: string;
  entity: string;
  title?: string;
  snap_minutes?: number;
}
