// The interop harness: a real OpenStack Ironic (Debian's python3-ironic) on loopback, driving
// the simulator's machines and our agent, plus the tools the tests use to talk to it.
export { RealIronic, type RealIronicOptions, SYSTEM_PYTHON, ironicVersion } from './real-ironic';
export {
  type ConfSections,
  type ConfValue,
  type IronicConfOptions,
  type IronicLayout,
  ironicConfSections,
  ironicLayout,
  renderConf,
} from './ironic-conf';
export { IronicApi, IronicApiError, type IronicHistoryEvent, type IronicNode } from './ironic-api';
export { type CliRun, baremetal, baremetalEnv, baremetalOk } from './baremetal-cli';
export { type EnrolOptions, type InteropDriver, enrolMachine } from './enrol';
export { type BootImageOptions, bootableRawImage } from './boot-image';
export { InteropLab, type InteropLabOptions, type LabMachine } from './interop-lab';
export {
  type ExecutedStep,
  type ProvisionTransition,
  agentCommandsSent,
  commandStatusPolls,
  executedSteps,
  provisionTransitions,
} from './ironic-log';
export { StaticHttpServer } from './static-http';
export { freePort } from './free-port';
