export { ChassisControl, PRIVILEGE_LEVELS, type PrivilegeName, completionText } from './codes';
export { IpmiError } from './errors';
export {
  type BootSetting,
  type IpmiBootDevice,
  chassisControl,
  chassisPowerOn,
  getBootDevice,
  setBootDevice,
} from './chassis';
export { type IpmiCommander, IpmiSession, type IpmiTarget } from './session';
export { DEFAULT_RETRY, type RetryPolicy } from './udp-link';
