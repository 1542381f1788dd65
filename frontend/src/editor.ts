// The card's visual editor: HA's own form with an entity selector limited to PyIoT climate entities.
import { LitElement, html, type TemplateResult } from "lit";

import { cardText } from "./localize";
import type { CardConfig, HomeAssistant } from "./types";

export const EDITOR_SCHEMA = [
  { name: "entity", required: true, selector: { entity: { domain: "climate", integration: "pyiot" } } },
  { name: "title", selector: { text: {} } },
  { name: "snap_minutes", selector: { number: { min: 5, max: 60, step: 5, mode: "box" } } },
] as const;

export class PyIoTScheduleCardEditor extends LitElement {
  declare hass: HomeAssistant;
  declare _config: CardConfig;

  static override properties = { hass: { attribute: false }, _config: { state: true } };

  setConfig(config: CardConfig): void {
    this._config = config;
  }

  protected override render(): TemplateResult {
    if (!this.hass || !this._config) return html``;
    const language = this.hass.locale?.language ?? this.hass.language ?? "en";
    return html`<ha-form
      .hass=${this.hass}
      .data=${this._config}
      .schema=${EDITOR_SCHEMA}
      .computeLabel=${(field: { name: string }) => cardText(language, `editor.${field.name}`)}
      @value-changed=${this._changed}
    ></ha-form>`;
  }

  private _changed(event: CustomEvent<{ value: CardConfig }>): void {
    event.stopPropagation();
    const config = { ...event.detail.value };
    this.dispatchEvent(new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }));
  }
}
