export { type AgentLogger, createAgentLogger } from './agent-logger';
export { type LogRecord, LogRing } from './log-ring';
export { redactUrl } from './redact-url';
export { type TarEntry, createTarGz, readTar } from './tar';
