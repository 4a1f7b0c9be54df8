import type { Machine } from '../../machine';

export const ROOT = '/redfish/v1';
export const SYSTEMS = `${ROOT}/Systems`;
export const MANAGERS = `${ROOT}/Managers`;
export const CHASSIS = `${ROOT}/Chassis`;
export const SESSION_SERVICE = `${ROOT}/SessionService`;
export const SESSIONS = `${SESSION_SERVICE}/Sessions`;
export const TASK_SERVICE = `${ROOT}/TaskService`;
export const TASKS = `${TASK_SERVICE}/Tasks`;
export const TASK_MONITORS = `${TASK_SERVICE}/TaskMonitors`;
export const UPDATE_SERVICE = `${ROOT}/UpdateService`;

const id = (m: Machine) => encodeURIComponent(m.id);
export const systemPath = (m: Machine) => `${SYSTEMS}/${id(m)}`;
export const managerPath = (m: Machine) => `${MANAGERS}/${id(m)}`;
export const chassisPath = (m: Machine) => `${CHASSIS}/${id(m)}`;
export const virtualMediaPath = (m: Machine) => `${managerPath(m)}/VirtualMedia`;
