export { type Clock, type TimerHandle, SystemClock, systemClock, sleepOn } from './clock';
export { ScaledClock } from './scaled-clock';
export { FakeClock } from './fake-clock';
export { createLogger, type Logger, type LoggerOptions, REDACTED_PATHS } from './logger';
export { sha256Crypt } from './sha256-crypt';
