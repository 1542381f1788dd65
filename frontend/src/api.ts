// The integration's websocket commands (see types.ts for their shapes).
import type { Edit, HomeAssistant, ScheduleState } from "./types";

export const COMMAND_GET = "pyiot/schedule/get";
export const COMMAND_SUBSCRIBE = "pyiot/schedule/subscribe";
export const COMMAND_EDIT = "pyiot/schedule/edit";

export function subscribeSchedule(
  hass: HomeAssistant,
  entityId: string,
  onState: (state: ScheduleState) => void,
  date?: string,
): Promise<() => void> {
  return hass.connection.subscribeMessage<ScheduleState>(onState, {
    type: COMMAND_SUBSCRIBE,
    entity_id: entityId,
    ...(date ? { date } : {}),
  });
}

export function getSchedule(hass: HomeAssistant, entityId: string, date?: string): Promise<ScheduleState> {
  return hass.callWS<ScheduleState>({ type: COMMAND_GET, entity_id: entityId, ...(date ? { date } : {}) });
}

export function editSchedule(
  hass: HomeAssistant,
  entityId: string,
  edit: Edit,
  revision?: string,
): Promise<ScheduleState> {
  return hass.callWS<ScheduleState>({
    type: COMMAND_EDIT,
    entity_id: entityId,
    edit,
    ...(revision ? { revision } : {}),
  });
}
