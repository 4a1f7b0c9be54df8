import { fetch as undiciFetch } from 'undici';
import type { Logger } from '../../lib';
import type { AgentStatus, Machine, OsHandle, RamdiskBoot, RamdiskLauncher } from '../machine';
import { FakeOs } from '../fake-os';
import type { Clock } from '../../lib';
import type { AgentFactory, SimAgentState } from './agent-contract';
import { ramdiskCmdline } from './kernel-cmdline';
import { serialLogger } from './serial-log';

export interface AgentLauncherOptions {
  apiUrl: string;
  clock: Clock;
  createAgent: AgentFactory;
  logger?: Logger;
  /** Level of the agent's own log on the serial console. */
  agentLogLevel?: string;
  /**
   * Extra kernel parameters, as Ironic's `[pxe] kernel_append_params` adds them (e.g.
   * `ipa-http-request-timeout`: a wall-clock peer may need more simulated seconds).
   */
  kernelParams?: Readonly<Record<string, string>>;
}

const STATUS: Record<SimAgentState, AgentStatus> = {
  starting: 'booting',
  'looking-up': 'looking-up',
  running: 'running',
  stopped: 'off',
  failed: 'failed',
};

/**
 * What a network or media boot loads: the real agent on a fake OS built from the machine, with
 * the kernel command line Ironic would give it. Its log and its lookup/heartbeat events go to
 * the serial console; its state becomes the machine's agent status.
 */
export function createAgentLauncher(options: AgentLauncherOptions): RamdiskLauncher {
  return async (boot: RamdiskBoot): Promise<OsHandle> => {
    const { machine } = boot;
    const cmdline = ramdiskCmdline({
      apiUrl: options.apiUrl,
      bootNic: boot.nic,
      ...(options.kernelParams ? { extra: options.kernelParams } : {}),
      ...(boot.device === 'Cd' || boot.device === 'Usb' ? { bootMethod: 'vmedia' as const } : {}),
    });
    const os = new FakeOs({
      machine,
      clock: options.clock,
      cmdline,
      hostname: hostnameOf(machine.spec.name),
    });
    const logger = serialLogger(machine, boot.console, options.agentLogLevel ?? 'info');
    const agent = await options.createAgent(os, { argv: [], logger, fetch: machineFetch(machine) });
    if (boot.signal.aborted) {
      await agent.stop();
      throw new Error('power lost while the ramdisk started');
    }
    const unsubscribe = [
      agent.on('state', (event) => boot.report(STATUS[event.state])),
      agent.on('lookup', (event) => {
        if (event.ok)
          boot.console(
            `[${machine.kernelTime()}] ironic-python-agent: lookup succeeded, node ${event.nodeUuid ?? '?'}`,
          );
        else
          boot.console(
            `[${machine.kernelTime()}] ironic-python-agent: lookup failed: ${event.error ?? 'unknown error'}`,
          );
      }),
      agent.on('heartbeat', (event) => {
        if (event.ok) boot.console(`[${machine.kernelTime()}] ironic-python-agent: heartbeat sent`);
        else
          boot.console(
            `[${machine.kernelTime()}] ironic-python-agent: heartbeat failed: ${event.error ?? 'unknown error'}`,
          );
      }),
    ];
    boot.report('booting');
    agent.start().catch((error: unknown) => {
      boot.console(
        `ironic-python-agent: ${error instanceof Error ? error.message : String(error)}`,
      );
      boot.report('failed');
    });
    let stopped = false;
    return {
      async stop() {
        if (stopped) return;
        stopped = true;
        for (const off of unsubscribe) off();
        try {
          await agent.stop();
        } catch (error) {
          options.logger?.warn({ machine: machine.id, err: error }, 'agent stop failed');
        }
      },
    };
  };
}

/**
 * The agent's outgoing HTTP leaves through the provisioning NIC: with its link down (a cut
 * cable, an injected fault) requests fail the way undici fails on an unreachable network.
 */
function machineFetch(machine: Machine): typeof undiciFetch {
  return (input, init) => {
    const provisioning = machine.spec.nics.find((nic) => nic.ipv4 !== null);
    const up = provisioning !== undefined && machine.linkedNics().includes(provisioning);
    if (!up) {
      const cause = Object.assign(new Error('connect ENETUNREACH'), { code: 'ENETUNREACH' });
      return Promise.reject(new TypeError('fetch failed', { cause }));
    }
    return undiciFetch(input, init);
  };
}

/** DHCP-style host name from the machine name. */
function hostnameOf(name: string): string {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return clean || 'localhost';
}
