// `npm run agent -- [flags]`: the agent on this Linux machine, flags and ipa-* kernel
// parameters as IPA reads them.
import { createLogger } from '../../lib';
import { Agent } from '../agent';
import { ConfigError, loadAgentConfig } from '../config';
import { LinuxHost } from '../host/linux';

async function main(): Promise<number> {
  const host = new LinuxHost();
  let config;
  try {
    config = await loadAgentConfig({
      host,
      argv: process.argv.slice(2),
      notes: (note) => console.error(`ironic-python-agent: ${note}`),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`ironic-python-agent: configuration error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger({
    name: 'ironic-python-agent',
    level: config.debug ? 'debug' : 'info',
  });
  const agent = new Agent({ host, config, logger });

  let exitCode = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    void agent.stop().then(resolveDone);
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  agent.on('state', ({ state, error }) => {
    if (state === 'failed') {
      // IPA's process exits when lookup gives up; systemd restarts it.
      logger.error({ error }, 'agent failed');
      exitCode = 1;
      void agent.stop().then(resolveDone);
    }
  });

  await agent.start();
  if (config.standalone && config.agent_token === null && agent.agentToken) {
    // Printed once, on the terminal only (never logged): commands need it as ?agent_token=.
    console.log(`agent token: ${agent.agentToken}`);
  }
  await done;
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(
      `ironic-python-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    process.exit(1);
  },
);
