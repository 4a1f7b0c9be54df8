import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env';

describe('parseEnv', () => {
  it('applies the documented defaults', () => {
    expect(parseEnv({})).toEqual({
      PORT: 3000,
      IRONIC_PORT: 6385,
      REDFISH_PORT: 8000,
      IMAGES_PORT: 8080,
      HOST: '127.0.0.1',
      DATA_DIR: 'data',
      DEMO_MACHINES: 4,
      SIM_SPEED: 10,
      ERASE_DEVICES_PRIORITY: 0,
      HEARTBEAT_TIMEOUT_S: 30,
      LIVE_MAX_AGE_S: 600,
    });
  });

  it('reads numbers from strings and treats blanks as unset', () => {
    const env = parseEnv({ PORT: '3210', SIM_SPEED: '12.5', DEMO_MACHINES: ' ', HOST: '0.0.0.0' });
    expect(env).toMatchObject({ PORT: 3210, SIM_SPEED: 12.5, DEMO_MACHINES: 4, HOST: '0.0.0.0' });
  });

  it('names every bad variable and its value', () => {
    let error: unknown;
    try {
      parseEnv({ PORT: 'http', SIM_SPEED: '0', IRONIC_PORT: '70000' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT="http": expected a port number/);
    expect(message).toMatch(/SIM_SPEED="0": expected a speed factor above 0/);
    expect(message).toMatch(/IRONIC_PORT="70000": expected a port between 0 and 65535/);
    expect(message).not.toMatch(/REDFISH_PORT/);
  });
});
