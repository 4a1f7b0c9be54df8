/** Ironic's provision states, exactly as stored in `node.provision_state`. */
export const ProvisionState = {
  ENROLL: 'enroll',
  VERIFYING: 'verifying',
  MANAGEABLE: 'manageable',
  INSPECTING: 'inspecting',
  INSPECTWAIT: 'inspect wait',
  INSPECTFAIL: 'inspect failed',
  AVAILABLE: 'available',
  CLEANING: 'cleaning',
  CLEANWAIT: 'clean wait',
  CLEANHOLD: 'clean hold',
  CLEANFAIL: 'clean failed',
  DEPLOYING: 'deploying',
  DEPLOYWAIT: 'wait call-back',
  DEPLOYHOLD: 'deploy hold',
  DEPLOYFAIL: 'deploy failed',
  ACTIVE: 'active',
  DELETING: 'deleting',
  ERROR: 'error',
  ADOPTING: 'adopting',
  ADOPTFAIL: 'adopt failed',
  RESCUING: 'rescuing',
  RESCUEWAIT: 'rescue wait',
  RESCUEFAIL: 'rescue failed',
  RESCUE: 'rescue',
  UNRESCUING: 'unrescuing',
  UNRESCUEFAIL: 'unrescue failed',
  SERVICING: 'servicing',
  SERVICEWAIT: 'service wait',
  SERVICEHOLD: 'service hold',
  SERVICEFAIL: 'service failed',
} as const;
export type ProvisionState = (typeof ProvisionState)[keyof typeof ProvisionState];

export const PROVISION_STATES: readonly ProvisionState[] = Object.values(ProvisionState);

/** States in which an agent may look its node up (Ironic's LOOKUP_ALLOWED_STATES). */
export const LOOKUP_ALLOWED_STATES: ReadonlySet<ProvisionState> = new Set([
  'deploying',
  'wait call-back',
  'cleaning',
  'clean wait',
  'inspecting',
  'inspect wait',
  'rescuing',
  'rescue wait',
  'service wait',
]);

/** Extra lookup states with `[deploy] fast_track` on. */
export const FASTTRACK_LOOKUP_ALLOWED_STATES: ReadonlySet<ProvisionState> = new Set([
  ...LOOKUP_ALLOWED_STATES,
  'enroll',
  'manageable',
  'available',
  'servicing',
  'service hold',
]);

/** Power states as Ironic reports them; `null` is unknown. */
export const PowerState = {
  ON: 'power on',
  OFF: 'power off',
  REBOOT: 'rebooting',
  SOFT_REBOOT: 'soft rebooting',
  SOFT_POWER_OFF: 'soft power off',
} as const;
export type PowerState = (typeof PowerState)[keyof typeof PowerState];
