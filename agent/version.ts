/**
 * The version this agent reports (`/v1/status`, heartbeat `agent_version`). It names the IPA
 * release whose behaviour is reproduced, because Ironic gates features on the agent version.
 */
export const AGENT_VERSION = '12.0.0';
