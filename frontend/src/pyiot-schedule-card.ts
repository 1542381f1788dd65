// Entry point of the bundle: defines the card and its editor and lists the card in the card picker.
import { PyIoTScheduleCard } from "./card";
import { PyIoTScheduleCardEditor } from "./editor";

declare global {
  interface Window {
    customCards?: { type: string; name: string; description: string; preview?: boolean; documentationURL?: string }[];
  }
}

if (!customElements.get("pyiot-schedule-card")) customElements.define("pyiot-schedule-card", PyIoTScheduleCard);
if (!customElements.get("pyiot-schedule-card-editor")) {
  customElements.define("pyiot-schedule-card-editor", PyIoTScheduleCardEditor);
}

window.customCards = window.customCards ?? [];
if (!window.customCards.some((card) => card.type === "pyiot-schedule-card")) {
  window.customCards.push({
    type: "pyiot-schedule-card",
    name: "PyIoT schedule",
    description: "A thermostat zone's week: see and edit its schedule, overrides and away periods.",
    preview: false,
  });
}
