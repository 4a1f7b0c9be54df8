export * from './command';
export * from './fault';
export * from './inventory';

/** Default port of the agent's REST API. */
export const AGENT_DEFAULT_PORT = 9999;
