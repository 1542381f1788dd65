import { describe, expect, it } from "vitest";

import { STRINGS_EN, cardText, errorText, explanationText, format, sourceText } from "../src/localize";
import type { Decision, HomeAssistant, ScheduleState } from "../src/types";
import engineKeys from "./fixtures/engine_keys.json";
import fixture from "./fixtures/state.json";

const decision = (fixture as unknown as ScheduleState).decision as Decision;

function hass(translations: Record<string, string> = {}): HomeAssistant {
  return {
    language: "en",
    states: {},
    localize: (key, values) => (translations[key] ? format(translations[key], values) : ""),
    callWS: async () => Promise.reject(new Error("unused")),
    connection: { subscribeMessage: async () => () => undefined },
  };
}

describe("the card's words", () => {
  it("fills placeholders and keeps a missing one visible", () => {
    expect(format("{a} and {b}", { a: 1 })).toBe("1 and {b}");
    expect(cardText("en", "card.next_change", { target: "17 °C", time: "08:30" })).toBe("Next: 17 °C at 08:30");
    expect(cardText("xx-YY", "card.clear")).toBe("Clear");
    expect(cardText("en", "no.such.key")).toBe("no.such.key");
  });

  it("renders the engine's explanation and source as the engine does in English", () => {
    expect(explanationText("en", decision)).toBe(decision.explanation.text);
    expect(sourceText("en", decision)).toBe(decision.source.text);
    // The card formats the end like its other times.
    expect(sourceText("en", decision, (iso) => `<${iso}>`)).toBe("manual setting until <2026-01-07T07:30:00+00:00>");
    const unknown = { ...decision, explanation: { ...decision.explanation, key: "new_code", text: "as sent" } };
    expect(explanationText("en", unknown)).toBe("as sent");
  });

  it("has a text for every explanation code and source kind the engine has", () => {
    const keys = engineKeys as { explanations: string[]; sources: string[] };
    for (const code of keys.explanations) expect(STRINGS_EN[`explanation.${code}`], code).toBeDefined();
    for (const kind of keys.sources) {
      expect(STRINGS_EN[`source.${kind}`], kind).toBeDefined();
      expect(STRINGS_EN[`source_text.${kind}`], kind).toBeDefined();
    }
  });
});

describe("errors of the commands", () => {
  const refused = {
    code: "schedule_error",
    message: "The block x on mon would overlap the block y on mon",
    translation_domain: "pyiot",
    translation_key: "blocks_overlap",
    translation_placeholders: { rule_id: "x", weekday: "mon", other: "y", other_weekday: "mon" },
  };

  it("are translated by the integration's exceptions", () => {
    const translated = hass({
      "component.pyiot.exceptions.blocks_overlap.message": "Der Block {rule_id} ({weekday}) überlappt {other}",
    });
    expect(errorText(translated, refused)).toBe("Der Block x (mon) überlappt y");
  });

  it("fall back to the message, then to the error itself", () => {
    expect(errorText(hass(), refused)).toBe(refused.message);
    expect(errorText(hass(), new Error("network down"))).toBe("network down");
    expect(errorText(hass(), "odd")).toBe("odd");
  });
});
