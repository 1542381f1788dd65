// Pure layout and editing logic of the schedule card (no DOM): unit-tested with vitest.
import type { Block, Day, Edit, ScheduleView, Scope, Target, Weekday } from "./types";
import { WEEKDAYS } from "./types";

export const DAY_MINUTES = 1440;

export function percent(minute: number): number {
  return (Math.min(Math.max(minute, 0), DAY_MINUTES) / DAY_MINUTES) * 100;
}

export function snap(minute: number, step: number): number {
  return Math.round(minute / step) * step;
}

/** "HH:MM" of a wall-clock minute of the day; 1440 (the end of the day) is "00:00". */
export function hhmm(minute: number): string {
  const whole = ((Math.round(minute) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  return `${String(Math.floor(whole / 60)).padStart(2, "0")}:${String(whole % 60).padStart(2, "0")}`;
}

/** Minutes of "HH:MM" (or "HH:MM:SS"); NaN when it is not a time of day. */
export function minutesOf(text: string): number {
  const match = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!match) return Number.NaN;
  const [hours, minutes, seconds] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  if (hours > 23 || minutes > 59 || seconds > 59) return Number.NaN;
  return hours * 60 + minutes + seconds / 60;
}

/** The setpoint shown for a target: heat, else cool. */
export function setpoint(target: Target): number | null {
  return target.heat ?? target.cool;
}

export function formatTarget(target: Target): string {
  if (target.heat !== null && target.cool !== null) return `${target.heat}–${target.cool} °C`;
  const value = setpoint(target);
  return value === null ? "–" : `${value} °C`;
}

/** A colour from blue (cold) to red (warm) for a setpoint between the zone's limits. */
export function temperatureColor(target: Target, limits: { minimum: number; maximum: number }): string {
  const value = setpoint(target);
  if (value === null) return "hsl(0, 0%, 70%)";
  // Most setpoints lie between 12 and 24 °C: spread those over the scale, whatever the limits.
  const low = Math.max(limits.minimum, 12);
  const high = Math.min(limits.maximum, 24);
  const share = high > low ? Math.min(Math.max((value - low) / (high - low), 0), 1) : 0.5;
  return `hsl(${Math.round(220 - share * 220)}, 70%, 55%)`;
}

/** Index of the day of the view containing `now` (-1 when not in this week) and its wall-clock minute. */
export function nowPosition(view: ScheduleView, now: Date): { day: number; minute: number } {
  const stamp = now.getTime();
  const day = view.days.findIndex((d) => Date.parse(d.start) <= stamp && stamp < Date.parse(d.end));
  if (day < 0) return { day: -1, minute: 0 };
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: view.time_zone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { day, minute: part("hour") * 60 + part("minute") };
}

/** Local wall-clock "HH:MM" (or weekday and time when not today) of an ISO instant in the zone. */
export function localTime(iso: string, timeZone: string, language: string, now: Date): string {
  const moment = new Date(iso);
  const sameDay = moment.getTime() - now.getTime() < 20 * 3600 * 1000;
  return new Intl.DateTimeFormat(language, {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    ...(sameDay ? {} : { weekday: "short", day: "numeric", month: "short" }),
  }).format(moment);
}

/** A block's length in minutes (an overnight block ends the next day). */
export function blockLength(block: Block): number {
  return (minutesOf(block.end) - minutesOf(block.start) + DAY_MINUTES) % DAY_MINUTES || DAY_MINUTES;
}

// --- dragging ---------------------------------------------------------------------------------

export type DragMode = "move" | "start" | "end";

export interface DragResult {
  start: number;
  end: number;
  weekday: Weekday;
}

/** Where a block lands after a drag of `minutes` (and `days` rows for a move), snapped to `step`. */
export function dragResult(block: Block, mode: DragMode, minutes: number, days: number, step: number): DragResult {
  const length = blockLength(block);
  let start = block.start_minute;
  let end = block.start_minute + length;
  let weekday = block.weekday;
  if (mode === "move") {
    start = Math.min(Math.max(snap(block.start_minute + minutes, step), 0), DAY_MINUTES - step);
    end = start + length;
    weekday = WEEKDAYS[(WEEKDAYS.indexOf(block.weekday) + days + 7 * 7) % 7];
  } else if (mode === "start") {
    start = Math.min(Math.max(snap(block.start_minute + minutes, step), 0), end - step);
  } else {
    end = Math.min(Math.max(snap(block.start_minute + length + minutes, step), start + step), start + DAY_MINUTES - step);
  }
  return { start, end, weekday };
}

/** The edit a drag makes (null when the block did not change). */
export function dragEdit(block: Block, mode: DragMode, result: DragResult, scope: Scope): Edit | null {
  const base = { rule_id: block.rule_id, weekday: block.weekday, scope };
  if (mode === "move") {
    if (result.start === block.start_minute && result.weekday === block.weekday) return null;
    return {
      op: "move_block",
      ...base,
      start: hhmm(result.start),
      ...(result.weekday !== block.weekday ? { to_weekday: result.weekday } : {}),
    };
  }
  const [start, end] = [hhmm(result.start), hhmm(result.end)];
  if (start === block.start && end === block.end) return null;
  return { op: "resize_block", ...base, start, end };
}

// --- forms ------------------------------------------------------------------------------------

export interface BlockForm {
  start: string;
  end: string;
  temperature: number;
  scope: Scope;
}

/** A target with `temperature` on the side the zone uses (cooling-only zones have no heat default). */
export function targetFor(view: ScheduleView, temperature: number): Target {
  return view.default.heat === null ? { heat: null, cool: temperature } : { heat: temperature, cool: null };
}

/** The edits that turn `block` into what the form says, in order (times first, then the target). */
export function blockEdits(view: ScheduleView, block: Block, form: BlockForm): Edit[] {
  const edits: Edit[] = [];
  const base = { rule_id: block.rule_id, weekday: block.weekday, scope: form.scope };
  if (form.start !== block.start || form.end !== block.end) {
    edits.push({ op: "resize_block", ...base, start: form.start, end: form.end });
  }
  if (form.temperature !== setpoint(block.target)) {
    edits.push({ op: "set_block_target", ...base, target: targetFor(view, form.temperature) });
  }
  return edits;
}

/** A new block's default: an hour from the clicked minute (snapped), at the schedule's default + 2 °C. */
export function newBlock(view: ScheduleView, day: Day, minute: number, step: number): Edit {
  const start = Math.min(snap(minute, step), DAY_MINUTES - 60);
  const base = setpoint(view.default) ?? 20;
  const temperature = Math.min(base + 2, view.limits.maximum);
  return {
    op: "add_block",
    weekdays: [day.weekday],
    start: hhmm(start),
    end: hhmm(start + 60),
    target: targetFor(view, temperature),
  };
}

/** The blocks of `day` whose span contains `minute` (the top one first). */
export function blocksAt(day: Day, minute: number): Block[] {
  return day.blocks.filter((b) => b.start_minute <= minute && minute < b.end_minute).reverse();
}
