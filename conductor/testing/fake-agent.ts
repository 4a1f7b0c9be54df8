import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { CommandResult } from '../../protocol';

export interface FakeStep {
  interface: string;
  step: string;
  priority: number;
  abortable?: boolean;
  reboot_requested?: boolean;
}

/** How the fake agent answers `execute_clean_step` for a step name. */
export type StepScript = 'run' | 'succeed' | 'fail';

/**
 * An IPA command API on loopback, scripted by tests: it lists clean steps, records commands, and
 * leaves async steps RUNNING until the test finishes them.
 */
export class FakeAgent {
  url = '';
  token: string | null = null;
  steps: FakeStep[] = [
    { interface: 'deploy', step: 'erase_devices', priority: 10, abortable: true },
    { interface: 'deploy', step: 'erase_devices_metadata', priority: 99, abortable: true },
    { interface: 'raid', step: 'delete_configuration', priority: 0 },
  ];
  /** In-band deploy steps the agent offers (IPA's generic ones have priority 0). */
  deploySteps: FakeStep[] = [
    { interface: 'deploy', step: 'write_image', priority: 0 },
    { interface: 'raid', step: 'apply_configuration', priority: 0 },
  ];
  /** In-band service steps the agent offers (IPA's generic ones have priority 0). */
  serviceSteps: FakeStep[] = [
    { interface: 'deploy', step: 'burnin_cpu', priority: 0, abortable: true },
    { interface: 'raid', step: 'apply_configuration', priority: 0 },
  ];
  script: Record<string, StepScript> = {};
  /** `standby.get_partition_uuids` answers this. */
  partitionUuids: Record<string, unknown> = {
    'root uuid': '0x1a2b3c4d',
    'efi system partition uuid': null,
    partitions: {},
  };
  /** How `image.install_bootloader` ends. */
  bootloader: 'succeed' | 'fail' | 'run' = 'succeed';
  /** How `rescue.finalize_rescue` ends. */
  finalizeRescue: 'succeed' | 'fail' = 'succeed';
  /** Called when the conductor asks the agent to power the machine off. */
  onPowerOff: (() => void) | null = null;
  /** The next POST of this command name answers 409 Agent is busy. */
  busyOnce: string | null = null;
  commands: CommandResult[] = [];
  posts: { name: string; params: Record<string, unknown> }[] = [];
  private readonly app = Fastify({ logger: false });

  async start(): Promise<this> {
    this.app.addHook('onRequest', (req, reply, done) => {
      const token = (req.query as { agent_token?: string }).agent_token;
      if (!this.token || token !== this.token) {
        void reply
          .code(401)
          .send({ faultcode: 'Client', faultstring: '401 Unauthorized: Token invalid.' });
        return;
      }
      done();
    });
    this.app.get('/v1/commands/', () => ({ commands: this.commands }));
    this.app.post<{ Body: { name: string; params: Record<string, unknown> } }>(
      '/v1/commands/',
      (req, reply) => {
        const { name, params } = req.body;
        this.posts.push({ name, params });
        if (this.busyOnce === name) {
          this.busyOnce = null;
          return reply.code(409).send({
            faultcode: 'Client',
            faultstring: 'Agent is busy: executing command execute_clean_step',
          });
        }
        if (name === 'clean.get_clean_steps') {
          return this.record('get_clean_steps', 'SUCCEEDED', {
            clean_steps: { GenericHardwareManager: this.steps },
            hardware_manager_version: { generic_hardware_manager: '1.2' },
          });
        }
        if (name === 'deploy.get_deploy_steps') {
          return this.record('get_deploy_steps', 'SUCCEEDED', {
            deploy_steps: { GenericHardwareManager: this.deploySteps },
            hardware_manager_version: { generic_hardware_manager: '1.2' },
          });
        }
        if (name === 'service.get_service_steps') {
          return this.record('get_service_steps', 'SUCCEEDED', {
            service_steps: { GenericHardwareManager: this.serviceSteps },
            hardware_manager_version: { generic_hardware_manager: '1.2' },
          });
        }
        if (
          name === 'clean.execute_clean_step' ||
          name === 'deploy.execute_deploy_step' ||
          name === 'service.execute_service_step'
        ) {
          const phase = name.split('.')[0]!;
          const command = `execute_${phase}_step`;
          const step = params.step as { interface: string; step: string };
          const how = this.script[step.step] ?? 'run';
          if (how === 'fail') return this.record(command, 'FAILED', null, `${step.step} blew up`);
          return this.record(
            command,
            how === 'succeed' ? 'SUCCEEDED' : 'RUNNING',
            how === 'succeed' ? { [`${phase}_result`]: null, [`${phase}_step`]: step } : null,
          );
        }
        if (name === 'standby.get_partition_uuids') {
          return this.record('get_partition_uuids', 'SUCCEEDED', this.partitionUuids);
        }
        if (name === 'image.install_bootloader') {
          if (this.bootloader === 'fail') {
            return this.record('install_bootloader', 'FAILED', null, 'efibootmgr failed');
          }
          return this.record(
            'install_bootloader',
            this.bootloader === 'run' ? 'RUNNING' : 'SUCCEEDED',
            null,
          );
        }
        if (name === 'rescue.finalize_rescue') {
          return this.finalizeRescue === 'fail'
            ? this.record('finalize_rescue', 'FAILED', null, 'cannot write the password file')
            : this.record('finalize_rescue', 'SUCCEEDED', null);
        }
        if (name === 'standby.power_off') {
          this.onPowerOff?.();
          return this.record('power_off', 'RUNNING', null);
        }
        return reply.code(400).send({ faultcode: 'Client', faultstring: `unknown ${name}` });
      },
    );
    await this.app.listen({ host: '127.0.0.1', port: 0 });
    this.url = `http://127.0.0.1:${(this.app.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The running step ends: success echoes the step, failure carries an IPA error. */
  finish(outcome: 'SUCCEEDED' | 'FAILED' | 'CLEAN_VERSION_MISMATCH' = 'SUCCEEDED'): void {
    const last = this.commands.at(-1);
    if (!last || last.command_status !== 'RUNNING') throw new Error('no running command');
    const params = this.posts.at(-1)!.params;
    last.command_status = outcome;
    const phase = /^execute_(\w+)_step$/.exec(last.command_name)?.[1] ?? 'clean';
    if (outcome === 'SUCCEEDED')
      last.command_result = { [`${phase}_result`]: { ok: true }, [`${phase}_step`]: params.step };
    if (outcome === 'FAILED') last.command_error = this.error('disk on fire');
  }

  /** A reboot: the new agent process has no command history. */
  restart(): void {
    this.commands = [];
    this.token = null;
  }

  close(): Promise<void> {
    return this.app.close();
  }

  private record(
    name: string,
    status: CommandResult['command_status'],
    result: unknown,
    error?: string,
  ) {
    const rec: CommandResult = {
      id: randomUUID(),
      command_name: name,
      command_status: status,
      command_error: error ? this.error(error) : null,
      command_result: result,
    };
    this.commands.push(rec);
    return rec;
  }

  private error(details: string) {
    return {
      type: 'CommandExecutionError',
      code: 500,
      message: 'Command execution failed',
      details,
    };
  }
}
