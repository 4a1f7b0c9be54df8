/**
 * `npm start` (and `npm run dev` with --dev): the whole lab in one process. Builds the console if
 * its build is missing or stale, starts the conductor and the simulated fleet, serves the
 * console, and stops everything cleanly on SIGINT/SIGTERM.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../lib';
import { buildIfStale } from './build-if-stale';
import { EnvError, parseEnv } from './env';
import { startConsoleServer, type ConsoleServer } from './http-server';
import { Lab } from './lab';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dev = process.argv.includes('--dev');
const logger = createLogger({ name: 'console' });

async function main(): Promise<void> {
  const env = parseEnv(process.env);
  // Next and React pick their production or development builds from NODE_ENV.
  if (!process.env.NODE_ENV)
    Object.assign(process.env, { NODE_ENV: dev ? 'development' : 'production' });
  if (!dev) await buildIfStale(root, logger);

  const lab = new Lab(env, { logger });
  let server: ConsoleServer | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      logger.info({ signal }, 'stopping');
      await server?.close().catch((err: unknown) => logger.error({ err }, 'console stop failed'));
      await lab.stop().catch((err: unknown) => logger.error({ err }, 'lab stop failed'));
    })().finally(() => process.exit(0));
    return stopping;
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  try {
    await lab.start();
    server = await startConsoleServer({
      host: env.HOST,
      port: env.PORT,
      dev,
      dir: root,
      lab,
      logger,
      streamMaxAgeMs: env.LIVE_MAX_AGE_S * 1000,
    });
  } catch (error) {
    await lab.stop().catch(() => undefined);
    throw error;
  }
  lab.consoleUrl = server.url;
  const info = lab.info();
  logger.info(
    {
      console: info.consoleUrl,
      ironic: info.ironicApiUrl,
      redfish: info.redfishUrl,
      images: info.imagesUrl,
      speed: info.simSpeed,
    },
    'lab ready',
  );
  console.log(
    [
      '',
      `  Console     ${info.consoleUrl}`,
      `  Ironic API  ${info.ironicApiUrl}`,
      `  Redfish     ${info.redfishUrl}`,
      `  Images      ${info.imagesUrl}/v1/images`,
      `  Sim speed   ${info.simSpeed}x, ${info.demoMachines} demo machines, data in ${env.DATA_DIR}`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  if (error instanceof EnvError) {
    console.error(error.message);
  } else {
    logger.fatal({ err: error }, 'console failed to start');
  }
  process.exit(1);
});
