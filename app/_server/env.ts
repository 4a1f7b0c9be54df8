import { z } from 'zod';

/**
 * The console process's environment, read once and validated: a bad value stops start-up with a
 * message naming the variable, instead of surfacing later as a confusing runtime failure.
 */
const port = (fallback: number) =>
  z.coerce
    .number({ error: 'expected a port number' })
    .int('expected a whole number')
    .min(0, 'expected a port between 0 and 65535')
    .max(65535, 'expected a port between 0 and 65535')
    .default(fallback);

const envSchema = z.object({
  PORT: port(3000),
  IRONIC_PORT: port(6385),
  REDFISH_PORT: port(8000),
  /** The image service the agents download deploy images from (Ironic's usual http_url port). */
  IMAGES_PORT: port(8080),
  HOST: z.string().trim().min(1, 'expected a host name or address').default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1, 'expected a directory path').default('data'),
  DEMO_MACHINES: z.coerce
    .number({ error: 'expected a number of machines' })
    .int('expected a whole number')
    .min(0, 'expected 0 or more')
    .max(500, 'expected at most 500 demo machines')
    .default(4),
  /**
   * How much faster than the wall the lab's clock runs. 10 keeps boots, heartbeats and timeouts
   * consistent with each other while a demo machine boots in seconds; the console shows the
   * lab clock, so every time it displays is simulated time.
   */
  SIM_SPEED: z.coerce
    .number({ error: 'expected a speed factor such as 1 or 20' })
    .positive('expected a speed factor above 0')
    .max(10_000, 'expected a speed factor of at most 10000')
    .default(10),
  /**
   * Ironic's `[deploy] erase_devices_priority` for automated cleaning (`provide`). Ironic's own
   * default is 10 (shred every disk); the lab defaults to 0, metadata-only cleaning as Metal3
   * runs it, because shredding the storage box's 12 × 12 TB disks takes weeks of simulated time.
   * `erase_devices` stays available to a manual clean.
   */
  ERASE_DEVICES_PRIORITY: z.coerce
    .number({ error: 'expected a step priority' })
    .int('expected a whole number')
    .min(0, 'expected 0 (off) or more')
    .max(1000, 'expected at most 1000')
    .default(0),
  /**
   * Live streams are closed after this long and the browser reconnects, resuming from its last
   * event: proxies and load balancers cut long requests anyway, so the console does it itself,
   * on purpose and often enough that resuming stays a path that is exercised.
   */
  LIVE_MAX_AGE_S: z.coerce
    .number({ error: 'expected seconds' })
    .int('expected whole seconds')
    .min(1, 'expected at least 1 second')
    .max(86_400, 'expected at most 86400 seconds')
    .default(600),
  HEARTBEAT_TIMEOUT_S: z.coerce
    .number({ error: 'expected seconds' })
    .int('expected whole seconds')
    .min(5, 'expected at least 5 seconds')
    .max(3600, 'expected at most 3600 seconds')
    .default(30),
});

export type ConsoleEnv = z.infer<typeof envSchema>;

export class EnvError extends Error {
  override readonly name = 'EnvError';
}

/** Parses the given environment (empty strings count as unset); throws EnvError naming each bad variable. */
export function parseEnv(source: Record<string, string | undefined>): ConsoleEnv {
  const present = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((key) => {
      const value = source[key];
      return value === undefined || value.trim() === '' ? [] : [[key, value]];
    }),
  );
  const result = envSchema.safeParse(present);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '?');
    return `  ${key}=${JSON.stringify(source[key])}: ${issue.message}`;
  });
  throw new EnvError(`Invalid environment:\n${lines.join('\n')}`);
}
