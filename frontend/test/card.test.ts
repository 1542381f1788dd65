// @vitest-environment happy-dom
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import type { PyIoTScheduleCard } from "../src/card";
import type { HomeAssistant, ScheduleState } from "../src/types";
import fixture from "./fixtures/state.json";

const state = fixture as unknown as ScheduleState;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(state.schedule.now));
  await import("../src/pyiot-schedule-card");
});

afterEach(() => {
  document.body.innerHTML = "";
});

interface Fake {
  hass: HomeAssistant;
  sent: Record<string, unknown>[];
  unsubscribed: number;
  push: (next: ScheduleState) => void;
}

function fakeHass(answer: (message: Record<string, unknown>) => Promise<unknown> = async () => state): Fake {
  const fake: Fake = { sent: [], unsubscribed: 0, push: () => undefined } as unknown as Fake;
  fake.hass = {
    language: "en",
    states: { "climate.living_room": { entity_id: "climate.living_room", state: "heat", attributes: { friendly_name: "Living room" } } },
    entities: { "climate.living_room": { entity_id: "climate.living_room", platform: "pyiot" } },
    localize: (key) => (key === "component.pyiot.exceptions.blocks_overlap.message" ? "Blocks overlap (translated)" : ""),
    loadBackendTranslation: async () => undefined,
    callWS: async <T>(message: Record<string, unknown>) => {
      fake.sent.push(message);
      return (await answer(message)) as T;
    },
    connection: {
      subscribeMessage: async <T>(callback: (event: T) => void, message: Record<string, unknown>) => {
        fake.sent.push(message);
        fake.push = (next) => callback(next as T);
        callback(state as T);
        return () => {
          fake.unsubscribed += 1;
        };
      },
    },
  };
  return fake;
}

async function mount(fake: Fake): Promise<PyIoTScheduleCard> {
  const card = document.createElement("pyiot-schedule-card") as PyIoTScheduleCard;
  card.setConfig({ type: "custom:pyiot-schedule-card", entity: "climate.living_room" });
  card.hass = fake.hass;
  document.body.append(card);
  await settle(card);
  return card;
}

async function settle(card: PyIoTScheduleCard): Promise<void> {
  for (let round = 0; round < 5; round += 1) {
    await card.updateComplete;
    await Promise.resolve();
  }
}

const root = (card: PyIoTScheduleCard) => card.shadowRoot as ShadowRoot;

describe("the schedule card", () => {
  it("is listed in the card picker and has a visual editor and a stub config", () => {
    expect(window.customCards?.map((card) => card.type)).toContain("pyiot-schedule-card");
    const Card = customElements.get("pyiot-schedule-card") as unknown as {
      getConfigElement: () => HTMLElement;
      getStubConfig: (hass: HomeAssistant) => unknown;
    };
    expect(Card.getConfigElement().tagName.toLowerCase()).toBe("pyiot-schedule-card-editor");
    expect(Card.getStubConfig(fakeHass().hass)).toEqual({ entity: "climate.living_room" });
  });

  it("subscribes and draws the week, blocks, periods, the now cursor and the decision", async () => {
    const fake = fakeHass();
    const card = await mount(fake);
    expect(fake.sent[0]).toEqual({ type: "pyiot/schedule/subscribe", entity_id: "climate.living_room" });
    const shadow = root(card);
    expect(shadow.querySelectorAll(".row")).toHaveLength(7);
    expect(shadow.querySelectorAll(".block")).toHaveLength(6);
    expect(shadow.querySelector('.row[data-weekday="wed"] .now')).not.toBeNull();
    expect(shadow.querySelectorAll(".now")).toHaveLength(1);
    expect(shadow.querySelector(".explanation")?.textContent).toContain("from your manual setting until 08:30");
    expect(shadow.querySelector(".source")?.textContent).toContain("manual setting until 08:30");
    expect(shadow.querySelector(".period.override")?.textContent).toContain("22 °C");
    expect(shadow.querySelector(".period.away")?.textContent).toContain("12 °C");
    expect(shadow.querySelector(".period.dated")?.textContent).toContain("day off");
    expect(shadow.querySelector(".next")?.textContent).toContain("Next:");
  });

  it("sends edits with the revision and shows what the engine answers", async () => {
    const fake = fakeHass();
    const card = await mount(fake);
    (root(card).querySelector(".clear-override") as HTMLButtonElement).click();
    await settle(card);
    expect(fake.sent[1]).toEqual({
      type: "pyiot/schedule/edit",
      entity_id: "climate.living_room",
      edit: { op: "clear_override" },
      revision: state.schedule.revision,
    });
  });

  it("edits a block through its panel", async () => {
    const fake = fakeHass();
    const card = await mount(fake);
    const block = root(card).querySelector('.row[data-weekday="mon"] .block') as HTMLElement;
    block.dispatchEvent(new PointerEvent("pointerdown", { button: 0, clientX: 10, clientY: 10, bubbles: true }));
    window.dispatchEvent(new PointerEvent("pointerup", { clientX: 10, clientY: 10 }));
    await settle(card);
    const panel = root(card).querySelector(".block-panel") as HTMLElement;
    expect(panel).not.toBeNull();
    const temperature = panel.querySelector(".temperature") as HTMLInputElement;
    temperature.value = "21.5";
    temperature.dispatchEvent(new Event("change"));
    await settle(card);
    (root(card).querySelector(".block-panel .save") as HTMLButtonElement).click();
    await settle(card);
    expect(fake.sent.at(-1)).toMatchObject({
      type: "pyiot/schedule/edit",
      edit: { op: "set_block_target", rule_id: "morning", weekday: "mon", target: { heat: 21.5, cool: null } },
    });
    expect(root(card).querySelector(".block-panel")).toBeNull();
  });

  it("copies a day", async () => {
    const fake = fakeHass();
    const card = await mount(fake);
    (root(card).querySelector('.row[data-weekday="mon"] .day') as HTMLButtonElement).click();
    await settle(card);
    for (const day of ["sun", "sat"]) {
      const box = root(card).querySelector(`.copy-target input[value="${day}"]`) as HTMLInputElement;
      box.checked = true;
      box.dispatchEvent(new Event("change"));
      await settle(card);
    }
    (root(card).querySelector(".day-panel .copy") as HTMLButtonElement).click();
    await settle(card);
    expect(fake.sent.at(-1)).toMatchObject({ edit: { op: "copy_day", from: "mon", to: ["sat", "sun"] } });
  });

  it("shows a refused edit translated, and keeps the schedule", async () => {
    const fake = fakeHass(async (message) => {
      if (message.type === "pyiot/schedule/edit") {
        throw {
          code: "schedule_error",
          message: "English",
          translation_domain: "pyiot",
          translation_key: "blocks_overlap",
          translation_placeholders: {},
        };
      }
      return state;
    });
    const card = await mount(fake);
    (root(card).querySelector(".clear-away") as HTMLButtonElement).click();
    await settle(card);
    expect(root(card).querySelector(".error")?.textContent).toBe("The change was refused: Blocks overlap (translated)");
    expect(root(card).querySelectorAll(".row")).toHaveLength(7);
  });

  it("follows the subscription and unsubscribes when removed, storing nothing in the browser", async () => {
    const fake = fakeHass();
    const card = await mount(fake);
    const next = structuredClone(state);
    next.schedule.override = null;
    fake.push(next);
    await settle(card);
    expect(root(card).querySelector(".period.override")).toBeNull();
    card.remove();
    await settle(card);
    expect(fake.unsubscribed).toBe(1);
    expect(window.localStorage.length).toBe(0);
    expect(window.sessionStorage.length).toBe(0);
  });

  it("asks for an entity when it has none", async () => {
    const card = document.createElement("pyiot-schedule-card") as PyIoTScheduleCard;
    card.setConfig({ type: "custom:pyiot-schedule-card", entity: "" });
    card.hass = fakeHass().hass;
    document.body.append(card);
    await settle(card);
    expect(root(card).textContent).toContain("Choose a PyIoT thermostat zone");
  });
});
