import { describe, expect, it } from "vitest";

import {
  blockEdits,
  blockLength,
  blocksAt,
  dragEdit,
  dragResult,
  formatTarget,
  hhmm,
  localTime,
  minutesOf,
  newBlock,
  nowPosition,
  percent,
  snap,
  targetFor,
  temperatureColor,
} from "../src/layout";
import type { Block, ScheduleState } from "../src/types";
import fixture from "./fixtures/state.json";

const state = fixture as unknown as ScheduleState;
const view = state.schedule;
const monday = view.days[0];
const morning = monday.blocks[0];
const night = view.days[6].blocks[0];

describe("times", () => {
  it("formats and parses wall-clock minutes", () => {
    expect(hhmm(0)).toBe("00:00");
    expect(hhmm(390)).toBe("06:30");
    expect(hhmm(1440)).toBe("00:00");
    expect(hhmm(1500)).toBe("01:00");
    expect(minutesOf("06:30")).toBe(390);
    expect(minutesOf("23:59:30")).toBe(1439.5);
    expect(minutesOf("24:00")).toBeNaN();
    expect(minutesOf("6:30")).toBeNaN();
    expect(snap(397, 15)).toBe(390);
    expect(snap(398, 15)).toBe(405);
    expect(percent(720)).toBe(50);
    expect(percent(-5)).toBe(0);
    expect(percent(2000)).toBe(100);
  });

  it("shows local times in the zone of HA, not of the browser", () => {
    const now = new Date("2026-01-07T06:15:00Z");
    expect(localTime("2026-01-07T07:30:00+00:00", "Europe/Paris", "en-GB", now)).toBe("08:30");
    expect(localTime("2026-01-09T07:30:00+00:00", "Europe/Paris", "en-GB", now)).toMatch(/Fri.*08:30/);
  });

  it("places the now cursor on today's row at the local minute", () => {
    expect(nowPosition(view, new Date(view.now))).toEqual({ day: 2, minute: 7 * 60 + 15 });
    expect(nowPosition(view, new Date("2027-01-01T00:00:00Z")).day).toBe(-1);
  });
});

describe("the fixture from the engine", () => {
  it("has the week, blocks, periods and the decision", () => {
    expect(view.days.map((day) => day.weekday)).toEqual(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
    expect(morning).toMatchObject({ rule_id: "morning", start: "06:30", end: "08:30", weekday: "mon" });
    expect(night).toMatchObject({ rule_id: "night", overnight: true, end_minute: 1440 });
    expect(view.override?.target.heat).toBe(22);
    expect(view.away?.target.heat).toBe(12);
    expect(view.dated.map((period) => period.rule_id)).toEqual(["day_off"]);
    expect(state.decision?.source.kind).toBe("override");
  });
});

describe("targets and colours", () => {
  it("formats targets and colours them from cold to warm", () => {
    expect(formatTarget({ heat: 21, cool: null })).toBe("21 °C");
    expect(formatTarget({ heat: 20, cool: 25 })).toBe("20–25 °C");
    expect(formatTarget({ heat: null, cool: null })).toBe("–");
    const limits = view.limits;
    expect(temperatureColor({ heat: 12, cool: null }, limits)).toBe("hsl(220, 70%, 55%)");
    expect(temperatureColor({ heat: 24, cool: null }, limits)).toBe("hsl(0, 70%, 55%)");
    expect(temperatureColor({ heat: null, cool: null }, limits)).toBe("hsl(0, 0%, 70%)");
    expect(targetFor(view, 20)).toEqual({ heat: 20, cool: null });
    expect(targetFor({ ...view, default: { heat: null, cool: 26 } }, 24)).toEqual({ heat: null, cool: 24 });
  });
});

describe("dragging", () => {
  it("moves a block by snapped minutes and whole rows", () => {
    expect(blockLength(morning)).toBe(120);
    expect(blockLength(night)).toBe(480);
    const moved = dragResult(morning, "move", 37, 1, 15);
    expect(moved).toEqual({ start: 420, end: 540, weekday: "tue" });
    expect(dragEdit(morning, "move", moved, "day")).toEqual({
      op: "move_block",
      rule_id: "morning",
      weekday: "mon",
      scope: "day",
      start: "07:00",
      to_weekday: "tue",
    });
    expect(dragResult(morning, "move", 0, -1, 15).weekday).toBe("sun");
    expect(dragEdit(morning, "move", dragResult(morning, "move", 3, 0, 15), "day")).toBeNull();
    expect(dragResult(morning, "move", -2000, 0, 15).start).toBe(0);
  });

  it("resizes either end without inverting the block", () => {
    const later = dragResult(morning, "end", 60, 0, 15);
    expect(later).toEqual({ start: 390, end: 570, weekday: "mon" });
    expect(dragEdit(morning, "end", later, "rule")).toEqual({
      op: "resize_block",
      rule_id: "morning",
      weekday: "mon",
      scope: "rule",
      start: "06:30",
      end: "09:30",
    });
    expect(dragResult(morning, "start", 500, 0, 15).start).toBe(495);
    expect(dragResult(morning, "end", -500, 0, 15).end).toBe(405);
    expect(dragEdit(morning, "start", dragResult(morning, "start", 2, 0, 15), "day")).toBeNull();
    // the end of an overnight block stays past midnight
    expect(dragEdit(night, "end", dragResult(night, "end", 30, 0, 15), "day")).toMatchObject({
      start: "22:00",
      end: "06:30",
    });
  });
});

describe("forms", () => {
  it("turns the block form into resize and target edits", () => {
    const form = { start: "06:00", end: "08:30", temperature: 21.5, scope: "day" as const };
    expect(blockEdits(view, morning, form)).toEqual([
      { op: "resize_block", rule_id: "morning", weekday: "mon", scope: "day", start: "06:00", end: "08:30" },
      {
        op: "set_block_target",
        rule_id: "morning",
        weekday: "mon",
        scope: "day",
        target: { heat: 21.5, cool: null },
      },
    ]);
    expect(blockEdits(view, morning, { start: "06:30", end: "08:30", temperature: 21, scope: "day" })).toEqual([]);
  });

  it("adds an hour at the clicked time, warmer than the default", () => {
    expect(newBlock(view, monday, 610, 15)).toEqual({
      op: "add_block",
      weekdays: ["mon"],
      start: "10:15",
      end: "11:15",
      target: { heat: 19, cool: null },
    });
    expect(newBlock(view, monday, 1435, 15)).toMatchObject({ start: "23:00", end: "00:00" });
  });

  it("finds the blocks under a minute", () => {
    expect(blocksAt(monday, 400).map((b: Block) => b.rule_id)).toEqual(["morning"]);
    expect(blocksAt(monday, 300)).toEqual([]);
  });
});
