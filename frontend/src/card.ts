// The schedule card: a zone's week from the engine, edited through the integration's websocket
// commands. Nothing is kept in the browser: every change goes to the engine, and what is shown is what
// the engine sends back.
import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";

import { editSchedule, subscribeSchedule } from "./api";
import {
  type DragMode,
  blockEdits,
  dragEdit,
  dragResult,
  formatTarget,
  hhmm,
  localTime,
  newBlock,
  nowPosition,
  percent,
  setpoint,
  targetFor,
  temperatureColor,
} from "./layout";
import { cardText, errorText, explanationText, sourceText } from "./localize";
import type { Block, CardConfig, Day, Edit, HomeAssistant, ScheduleState, Scope, Weekday } from "./types";
import { WEEKDAYS } from "./types";

interface Drag {
  block: Block;
  mode: DragMode;
  x: number;
  y: number;
  width: number;
  rowHeight: number;
  minutes: number;
  days: number;
}

type Panel =
  | { kind: "block"; block: Block; start: string; end: string; temperature: number; scope: Scope }
  | { kind: "day"; day: Day; targets: Weekday[] }
  | { kind: "override"; temperature: number; hours: number }
  | { kind: "away"; start: string; end: string; temperature: number };

export class PyIoTScheduleCard extends LitElement {
  declare hass: HomeAssistant;
  declare _config: CardConfig;
  declare _state: ScheduleState | undefined;
  declare _error: string | undefined;
  declare _panel: Panel | undefined;
  declare _drag: Drag | undefined;
  declare _busy: boolean;

  static override properties = {
    hass: { attribute: false },
    _config: { state: true },
    _state: { state: true },
    _error: { state: true },
    _panel: { state: true },
    _drag: { state: true },
    _busy: { state: true },
  };

  private _unsubscribe?: Promise<() => void>;
  private _subscribedTo?: string;
  private _clock?: number;

  constructor() {
    super();
    this._busy = false;
  }

  static getConfigElement(): HTMLElement {
    return document.createElement("pyiot-schedule-card-editor");
  }

  static getStubConfig(hass: HomeAssistant): Partial<CardConfig> {
    const zone = Object.values(hass.entities ?? {}).find(
      (entity) => entity.platform === "pyiot" && entity.entity_id.startsWith("climate."),
    );
    return { entity: zone?.entity_id ?? "" };
  }

  setConfig(config: CardConfig): void {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    this._config = { snap_minutes: 15, ...config };
  }

  getCardSize(): number {
    return 9;
  }

  getGridOptions(): Record<string, number> {
    return { columns: 12, min_columns: 6, rows: 9, min_rows: 6 };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this._clock = window.setInterval(() => this.requestUpdate(), 60_000);
    if (this.hass && this._config) this._subscribe();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this._clock);
    this._unsubscribeNow();
  }

  protected override updated(changed: PropertyValues): void {
    if ((changed.has("hass") || changed.has("_config")) && this.hass && this._config) {
      if (this._subscribedTo !== this._config.entity) this._subscribe();
    }
  }

  private get _language(): string {
    return this.hass?.locale?.language ?? this.hass?.language ?? "en";
  }

  private _t(key: string, values?: Record<string, unknown>): string {
    return cardText(this._language, key, values);
  }

  private _subscribe(): void {
    this._unsubscribeNow();
    const entity = this._config.entity;
    this._subscribedTo = entity;
    this._state = undefined;
    if (!entity) return;
    void this.hass.loadBackendTranslation?.("exceptions", "pyiot");
    this._unsubscribe = subscribeSchedule(this.hass, entity, (state) => {
      this._state = state;
    });
    this._unsubscribe.catch((error: unknown) => {
      this._error = errorText(this.hass, error);
      this._subscribedTo = undefined;
    });
  }

  private _unsubscribeNow(): void {
    const pending = this._unsubscribe;
    this._unsubscribe = undefined;
    this._subscribedTo = undefined;
    pending?.then((unsubscribe) => unsubscribe()).catch(() => undefined);
  }

  /** Sends edits in order; the first refusal stops and is shown. */
  async edit(...edits: Edit[]): Promise<boolean> {
    if (!this._state) return false;
    this._busy = true;
    this._error = undefined;
    try {
      for (const edit of edits) {
        this._state = await editSchedule(this.hass, this._config.entity, edit, this._state?.schedule.revision);
      }
      this._panel = undefined;
      return true;
    } catch (error) {
      this._error = this._t("card.error", { message: errorText(this.hass, error) });
      return false;
    } finally {
      this._busy = false;
    }
  }

  // --- rendering ------------------------------------------------------------------------------

  protected override render(): TemplateResult {
    const title = this._config?.title ?? this._friendlyName();
    return html`<ha-card .header=${title}>
      <div class="content">${this._body()}</div>
    </ha-card>`;
  }

  private _friendlyName(): string {
    const state = this._config?.entity ? this.hass?.states[this._config.entity] : undefined;
    return (state?.attributes.friendly_name as string | undefined) ?? "";
  }

  private _body(): TemplateResult {
    if (!this._config?.entity) return html`<div class="notice">${this._t("card.no_entity")}</div>`;
    const error = this._error ? html`<div class="error" role="alert">${this._error}</div>` : nothing;
    if (!this._state) {
      return html`${error}<div class="notice">${error === nothing ? this._t("card.loading") : ""}</div>`;
    }
    return html`${this._summary()} ${error} ${this._periods()} ${this._week()} ${this._panelView()}
      ${this._actions()}`;
  }

  private _summary(): TemplateResult {
    const { schedule, decision } = this._state!;
    const now = new Date();
    const next = schedule.next_change
      ? this._t("card.next_change", {
          target: formatTarget(schedule.next_change.target),
          time: localTime(schedule.next_change.at, schedule.time_zone, this._language, now),
        })
      : this._t("card.no_next_change");
    return html`<div class="summary">
      ${decision
        ? html`<div class="explanation">${explanationText(this._language, decision)}</div>
            <div class="source">
              ${this._t("card.source", {
                source: sourceText(this._language, decision, (iso) => localTime(iso, schedule.time_zone, this._language, now)),
              })}
            </div>`
        : nothing}
      <div class="next">${next}</div>
    </div>`;
  }

  private _periods(): TemplateResult {
    const { schedule } = this._state!;
    const now = new Date();
    const at = (iso: string) => localTime(iso, schedule.time_zone, this._language, now);
    return html`
      ${schedule.override
        ? html`<div class="period override">
            ${this._t("card.override", { target: formatTarget(schedule.override.target), time: at(schedule.override.end) })}
            <button class="clear-override" @click=${() => this.edit({ op: "clear_override" })}>
              ${this._t("card.resume")}
            </button>
          </div>`
        : nothing}
      ${schedule.away
        ? html`<div class="period away">
            ${this._t("card.away", {
              start: at(schedule.away.start),
              end: at(schedule.away.end),
              target: formatTarget(schedule.away.target),
            })}
            <button class="clear-away" @click=${() => this.edit({ op: "clear_away" })}>${this._t("card.clear")}</button>
          </div>`
        : nothing}
      ${schedule.dated.map(
        (period) => html`<div class="period dated">
          ${this._t("card.dated", {
            name: period.name || period.rule_id,
            start: at(period.start),
            end: at(period.end),
            target: formatTarget(period.target),
          })}
          <button class="delete-range" @click=${() => this.edit({ op: "delete_rule", rule_id: period.rule_id })}>
            ${this._t("card.delete")}
          </button>
        </div>`,
      )}
      ${schedule.conflicts.map(
        ([first, second]) => html`<div class="period conflict">${this._t("card.conflicts", { first, second })}</div>`,
      )}
    `;
  }

  private _dayName(day: Day, style: "short" | "long" = "short"): string {
    return new Intl.DateTimeFormat(this._language, { weekday: style, timeZone: "UTC" }).format(
      new Date(`${day.date}T12:00:00Z`),
    );
  }

  private _week(): TemplateResult {
    const { schedule } = this._state!;
    const now = nowPosition(schedule, new Date());
    return html`<div class="week">
      <div class="hours">
        <span></span>
        ${[0, 6, 12, 18].map((hour) => html`<span style="left:${percent(hour * 60)}%">${hhmm(hour * 60)}</span>`)}
      </div>
      ${schedule.days.map(
        (day, index) => html`<div class="row" data-weekday=${day.weekday}>
          <button class="day" @click=${() => (this._panel = { kind: "day", day, targets: [] })}>
            ${this._dayName(day)}
          </button>
          <div class="track" @click=${(event: MouseEvent) => this._onTrackClick(event, day)}>
            ${day.segments.map(
              (segment) => html`<div
                class="segment ${segment.kind}"
                style="left:${percent(segment.start_minute)}%;width:${percent(segment.end_minute) - percent(segment.start_minute)}%;background:${temperatureColor(segment.target, schedule.limits)}"
                title="${hhmm(segment.start_minute)}–${hhmm(segment.end_minute)} ${formatTarget(segment.target)}"
              ></div>`,
            )}
            ${day.blocks.map((block) => this._block(block))}
            ${now.day === index ? html`<div class="now" style="left:${percent(now.minute)}%"></div>` : nothing}
          </div>
        </div>`,
      )}
    </div>`;
  }

  private _block(block: Block): TemplateResult {
    const drag = this._drag;
    let start = block.start_minute;
    let end = block.end_minute;
    let shift = 0;
    if (drag && drag.block === block) {
      const result = dragResult(block, drag.mode, drag.minutes, drag.days, this._config.snap_minutes ?? 15);
      start = result.start;
      end = Math.min(result.end, 1440);
      shift = drag.mode === "move" ? drag.days : 0;
    }
    return html`<div
      class="block ${drag?.block === block ? "dragging" : ""}"
      data-rule=${block.rule_id}
      style="left:${percent(start)}%;width:${percent(end) - percent(start)}%;transform:translateY(${shift * 100}%)"
      @pointerdown=${(event: PointerEvent) => this._onPointerDown(event, block, "move")}
      @click=${(event: Event) => event.stopPropagation()}
    >
      <span class="handle start" @pointerdown=${(event: PointerEvent) => this._onPointerDown(event, block, "start")}></span>
      <span class="label">${formatTarget(block.target)}</span>
      <span class="handle end" @pointerdown=${(event: PointerEvent) => this._onPointerDown(event, block, "end")}></span>
    </div>`;
  }

  private _actions(): TemplateResult {
    const { schedule } = this._state!;
    const base = setpoint(schedule.active.target) ?? setpoint(schedule.default) ?? 20;
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    return html`<div class="actions">
      <button class="open-override" @click=${() => (this._panel = { kind: "override", temperature: base, hours: 0 })}>
        ${this._t("card.override_title")}
      </button>
      <button
        class="open-away"
        @click=${() =>
          (this._panel = {
            kind: "away",
            start: `${tomorrow}T08:00`,
            end: `${tomorrow}T20:00`,
            temperature: Math.max(schedule.limits.minimum, 12),
          })}
      >
        ${this._t("card.away_title")}
      </button>
    </div>`;
  }

  // --- panels ---------------------------------------------------------------------------------

  private _panelView(): TemplateResult | typeof nothing {
    const panel = this._panel;
    if (!panel) return nothing;
    const cancel = html`<button class="cancel" @click=${() => (this._panel = undefined)}>${this._t("card.cancel")}</button>`;
    switch (panel.kind) {
      case "block":
        return this._blockPanel(panel, cancel);
      case "day":
        return this._dayPanel(panel, cancel);
      case "override":
        return html`<div class="panel override-panel">
          <strong>${this._t("card.override_title")}</strong>
          ${this._number(panel.temperature, (value) => (this._panel = { ...panel, temperature: value }))}
          <select
            class="hold"
            @change=${(event: Event) => (this._panel = { ...panel, hours: Number((event.target as HTMLSelectElement).value) })}
          >
            <option value="0" ?selected=${panel.hours === 0}>${this._t("card.until_next_change")}</option>
            ${[1, 2, 4, 8].map(
              (hours) => html`<option value=${hours} ?selected=${panel.hours === hours}>${this._t("card.for_hours", { hours })}</option>`,
            )}
          </select>
          <button
            class="save"
            ?disabled=${this._busy}
            @click=${() =>
              this.edit({
                op: "set_override",
                target: targetFor(this._state!.schedule, panel.temperature),
                ...(panel.hours ? { duration: panel.hours * 3600 } : {}),
              })}
          >
            ${this._t("card.set_override")}
          </button>
          ${cancel}
        </div>`;
      case "away":
        return html`<div class="panel away-panel">
          <strong>${this._t("card.away_title")}</strong>
          <label>${this._t("card.start")}
            <input class="away-start" type="datetime-local" .value=${panel.start}
              @change=${(event: Event) => (this._panel = { ...panel, start: (event.target as HTMLInputElement).value })} /></label>
          <label>${this._t("card.end")}
            <input class="away-end" type="datetime-local" .value=${panel.end}
              @change=${(event: Event) => (this._panel = { ...panel, end: (event.target as HTMLInputElement).value })} /></label>
          ${this._number(panel.temperature, (value) => (this._panel = { ...panel, temperature: value }))}
          <button
            class="save"
            ?disabled=${this._busy}
            @click=${() =>
              this.edit({
                op: "set_away",
                start: panel.start,
                end: panel.end,
                target: targetFor(this._state!.schedule, panel.temperature),
              })}
          >
            ${this._t("card.set_away")}
          </button>
          ${cancel}
        </div>`;
    }
  }

  private _number(value: number, onChange: (value: number) => void): TemplateResult {
    const { limits } = this._state!.schedule;
    return html`<label>${this._t("card.temperature")}
      <input class="temperature" type="number" step="0.5" min=${limits.minimum} max=${limits.maximum} .value=${String(value)}
        @change=${(event: Event) => onChange(Number((event.target as HTMLInputElement).value))} /></label>`;
  }

  private _blockPanel(panel: Extract<Panel, { kind: "block" }>, cancel: TemplateResult): TemplateResult {
    const block = panel.block;
    const shared = block.weekdays.length > 1;
    return html`<div class="panel block-panel">
      <strong>${this._t("card.block_title", { start: block.start, end: block.end })}</strong>
      <label>${this._t("card.start")}
        <input class="block-start" type="time" .value=${panel.start}
          @change=${(event: Event) => (this._panel = { ...panel, start: (event.target as HTMLInputElement).value })} /></label>
      <label>${this._t("card.end")}
        <input class="block-end" type="time" .value=${panel.end}
          @change=${(event: Event) => (this._panel = { ...panel, end: (event.target as HTMLInputElement).value })} /></label>
      ${this._number(panel.temperature, (value) => (this._panel = { ...panel, temperature: value }))}
      ${shared
        ? html`<select class="scope"
            @change=${(event: Event) => (this._panel = { ...panel, scope: (event.target as HTMLSelectElement).value as Scope })}>
            <option value="day" ?selected=${panel.scope === "day"}>${this._t("card.scope_day")}</option>
            <option value="rule" ?selected=${panel.scope === "rule"}>
              ${this._t("card.scope_rule", { days: block.weekdays.join(", ") })}
            </option>
          </select>`
        : nothing}
      <button class="save" ?disabled=${this._busy}
        @click=${() => this.edit(...blockEdits(this._state!.schedule, block, panel))}>${this._t("card.save")}</button>
      <button class="delete" ?disabled=${this._busy}
        @click=${() => this.edit({ op: "delete_block", rule_id: block.rule_id, weekday: block.weekday, scope: panel.scope })}>
        ${this._t("card.delete")}
      </button>
      ${cancel}
    </div>`;
  }

  private _dayPanel(panel: Extract<Panel, { kind: "day" }>, cancel: TemplateResult): TemplateResult {
    const toggle = (weekday: Weekday, on: boolean) => {
      const targets = on ? [...panel.targets, weekday] : panel.targets.filter((day) => day !== weekday);
      this._panel = { ...panel, targets };
    };
    return html`<div class="panel day-panel">
      <strong>${this._t("card.copy_day", { day: this._dayName(panel.day, "long") })}</strong>
      ${this._state!.schedule.days.filter((day) => day.weekday !== panel.day.weekday).map(
        (day) => html`<label class="copy-target">
          <input type="checkbox" value=${day.weekday} .checked=${panel.targets.includes(day.weekday)}
            @change=${(event: Event) => toggle(day.weekday, (event.target as HTMLInputElement).checked)} />
          ${this._dayName(day)}
        </label>`,
      )}
      <button class="copy" ?disabled=${this._busy || panel.targets.length === 0}
        @click=${() => this.edit({ op: "copy_day", from: panel.day.weekday, to: [...panel.targets].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b)) })}>
        ${this._t("card.copy")}
      </button>
      <button class="add-block" ?disabled=${this._busy}
        @click=${() => this.edit(newBlock(this._state!.schedule, panel.day, 12 * 60, this._config.snap_minutes ?? 15))}>
        ${this._t("card.add_block")}
      </button>
      ${cancel}
    </div>`;
  }

  // --- pointer handling -------------------------------------------------------------------------

  private _onTrackClick(event: MouseEvent, day: Day): void {
    if (!this._state) return;
    const track = event.currentTarget as HTMLElement;
    const box = track.getBoundingClientRect();
    const minute = box.width > 0 ? ((event.clientX - box.left) / box.width) * 1440 : 720;
    void this.edit(newBlock(this._state.schedule, day, minute, this._config.snap_minutes ?? 15));
  }

  private _onPointerDown(event: PointerEvent, block: Block, mode: DragMode): void {
    event.stopPropagation();
    if (event.button !== 0) return;
    const track = (event.currentTarget as HTMLElement).closest(".track") as HTMLElement | null;
    const box = track?.getBoundingClientRect();
    this._drag = {
      block,
      mode,
      x: event.clientX,
      y: event.clientY,
      width: box?.width || 1,
      rowHeight: track?.parentElement?.getBoundingClientRect().height || 1,
      minutes: 0,
      days: 0,
    };
    const move = (moved: PointerEvent) => {
      if (!this._drag) return;
      this._drag = {
        ...this._drag,
        minutes: ((moved.clientX - this._drag.x) / this._drag.width) * 1440,
        days: mode === "move" ? Math.round((moved.clientY - this._drag.y) / this._drag.rowHeight) : 0,
      };
    };
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      const drag = this._drag;
      this._drag = undefined;
      if (!drag) return;
      const result = dragResult(block, mode, drag.minutes, drag.days, this._config.snap_minutes ?? 15);
      const edit = dragEdit(block, mode, result, "day");
      if (edit) {
        void this.edit(edit);
      } else {
        this._openBlock(block);
      }
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }

  private _openBlock(block: Block): void {
    this._panel = {
      kind: "block",
      block,
      start: block.start,
      end: block.end,
      temperature: setpoint(block.target) ?? 20,
      scope: "day",
    };
  }

  static override styles = css`
    .content { padding: 0 16px 16px; }
    .summary { margin-bottom: 8px; }
    .explanation { font-weight: 500; }
    .source, .next { color: var(--secondary-text-color); font-size: 0.9em; }
    .error { color: var(--error-color, #db4437); margin: 8px 0; }
    .notice { color: var(--secondary-text-color); padding: 8px 0; }
    .period { display: flex; align-items: center; justify-content: space-between; gap: 8px;
      padding: 4px 8px; margin: 4px 0; border-radius: 6px; background: var(--secondary-background-color); }
    .period.override { border-left: 4px solid var(--warning-color, #ffa600); }
    .period.away { border-left: 4px solid var(--info-color, #039be5); }
    .period.conflict { color: var(--warning-color, #ffa600); }
    .week { position: relative; user-select: none; touch-action: none; }
    .hours { position: relative; height: 16px; margin-left: 48px; font-size: 0.75em; color: var(--secondary-text-color); }
    .hours span { position: absolute; }
    .row { display: flex; align-items: stretch; height: 34px; margin: 2px 0; }
    .day { width: 44px; margin-right: 4px; border: none; background: none; color: var(--primary-text-color);
      cursor: pointer; text-align: left; padding: 0; font: inherit; }
    .track { position: relative; flex: 1; background: var(--divider-color, #e0e0e0); border-radius: 4px;
      overflow: visible; cursor: copy; }
    .segment { position: absolute; top: 0; bottom: 0; opacity: 0.35; }
    .segment.override, .segment.away, .segment.dated { opacity: 0.8;
      background-image: repeating-linear-gradient(45deg, transparent 0 6px, rgba(255, 255, 255, 0.35) 6px 12px) !important; }
    .block { position: absolute; top: 3px; bottom: 3px; border-radius: 4px; background: var(--primary-color);
      color: var(--text-primary-color, #fff); font-size: 0.75em; display: flex; align-items: center;
      justify-content: center; cursor: grab; overflow: hidden; box-sizing: border-box; min-width: 6px; }
    .block.dragging { opacity: 0.7; cursor: grabbing; z-index: 2; }
    .handle { position: absolute; top: 0; bottom: 0; width: 6px; cursor: ew-resize; }
    .handle.start { left: 0; }
    .handle.end { right: 0; }
    .label { pointer-events: none; white-space: nowrap; }
    .now { position: absolute; top: -2px; bottom: -2px; width: 2px; background: var(--error-color, #db4437); z-index: 3; }
    .panel { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 8px; padding: 8px;
      border: 1px solid var(--divider-color, #e0e0e0); border-radius: 6px; }
    .panel strong { width: 100%; }
    .actions { display: flex; gap: 8px; margin-top: 8px; }
    button { font: inherit; cursor: pointer; padding: 4px 14px; border-radius: 18px;
      border: 1px solid var(--divider-color, #e0e0e0); background: var(--card-background-color, #fff);
      color: var(--primary-color); }
    button:disabled { opacity: 0.5; cursor: default; }
    .panel .save, .panel .copy { background: var(--primary-color); color: var(--text-primary-color, #fff);
      border-color: var(--primary-color); }
    input, select { font: inherit; padding: 2px 4px; border-radius: 4px; color: var(--primary-text-color);
      border: 1px solid var(--divider-color, #e0e0e0); background: var(--card-background-color, #fff); }
    input[type="number"] { width: 5em; }
  `;
}
