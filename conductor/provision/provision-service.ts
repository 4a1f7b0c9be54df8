import { z } from 'zod';
import type { Logger } from '../../lib';
import type { ProvisionState } from '../../protocol';
import type { PowerService } from '../bmc/power-service';
import type { NodeRow } from '../db/schema';
import { ConductorError, invalidParameter, nodeLocked } from '../nodes/errors';
import type { NodeService } from '../nodes/node-service';
import type { WorkerPool } from '../nodes/worker-pool';
import { API_VERBS, nextState, verbToEvent, type ApiVerb } from '../states/state-machine';
import type { Adopting } from './adopting';
import type { Cleaning } from './cleaning';
import { manualStepSchema, type ManualStep } from './clean-steps';
import { configDriveJsonSchema, type ConfigDriveJson } from './configdrive';
import { userDeployStepProblems, userDeployStepSchema, type UserDeployStep } from './deploy-steps';
import type { Deploying } from './deploying';
import { deployValidationError } from './image-info';
import type { RamdiskBoot } from './ramdisk-boot';
import type { Rescuing } from './rescuing';
import type { Servicing } from './servicing';

/** The oldest microversion that knows each verb (Ironic's API version history). */
export const VERB_MIN_MINOR: Partial<Record<ApiVerb, number>> = {
  manage: 4,
  provide: 4,
  inspect: 6,
  abort: 13,
  clean: 15,
  adopt: 17,
  rescue: 38,
  unrescue: 38,
  deploy: 73,
  undeploy: 73,
  unhold: 85,
  service: 87,
};

const bodySchema = z
  .object({
    target: z.string(),
    clean_steps: z.array(z.unknown()).optional(),
    disable_ramdisk: z.boolean().optional(),
    configdrive: z.unknown().optional(),
    deploy_steps: z.unknown().optional(),
    rescue_password: z.string().optional(),
    service_steps: z.unknown().optional(),
    runbook: z.string().optional(),
  })
  .strict();

export interface ProvisionServiceOptions {
  nodes: NodeService;
  power: PowerService;
  cleaning: Cleaning;
  deploying: Deploying;
  rescuing: Rescuing;
  adopting: Adopting;
  /** Servicing (API 1.87); without it the `service` verb is refused. */
  servicing?: Servicing;
  boot: RamdiskBoot;
  logger: Logger;
  /** Each accepted verb runs on a worker (the reserve allowed); none free → 503. */
  pool?: WorkerPool;
  /** `[conductor] max_concurrent_clean` (50) and `max_concurrent_deploy` (250). */
  maxConcurrentClean?: number;
  maxConcurrentDeploy?: number;
}

// The states each limit counts, as Ironic's `_concurrent_action_limit` does.
const CLEANING_STATES = ['deleting', 'cleaning', 'clean wait'] as const;
const DEPLOYING_STATES = ['deploying', 'wait call-back'] as const;

/** What a deploy/rebuild request carries besides the target. */
interface DeployRequest {
  configdrive?: string | ConfigDriveJson;
  userSteps?: UserDeployStep[];
}

/**
 * PUT /v1/nodes/{id}/states/provision: validates the verb against the state machine, moves the
 * node synchronously (so the 202 reflects it), and runs the rest under the node lock.
 */
export class ProvisionService {
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly o: ProvisionServiceOptions) {}

  private get nodes(): NodeService {
    return this.o.nodes;
  }

  request(ident: string, rawBody: unknown, minor = 96): void {
    const parsed = bodySchema.safeParse(rawBody ?? {});
    if (!parsed.success) {
      throw invalidParameter(
        `Invalid provision request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
      );
    }
    const body = parsed.data;
    if (!(API_VERBS as readonly string[]).includes(body.target)) {
      throw invalidParameter(`"${body.target}" is not a valid provision state target.`);
    }
    const verb = body.target as ApiVerb;
    const min = VERB_MIN_MINOR[verb];
    if (min !== undefined && minor < min) {
      throw new ConductorError(
        'NotAcceptable',
        `The "${verb}" target requires API version 1.${min} or newer.`,
      );
    }
    const steps =
      verb === 'service'
        ? this.serviceSteps(body.service_steps)
        : this.cleanSteps(verb, body.clean_steps);
    if (verb !== 'service' && body.service_steps !== undefined) {
      throw invalidParameter(
        '"service_steps" is only valid when setting target provision state to service',
      );
    }
    const rescuePassword = this.rescuePassword(verb, body.rescue_password);
    const deploy = this.deployRequest(verb, body, minor);
    if (body.disable_ramdisk !== undefined) {
      if (minor < 70) {
        throw new ConductorError(
          'NotAcceptable',
          'The "disable_ramdisk" field requires API version 1.70 or newer.',
        );
      }
      if (verb !== 'clean' && verb !== 'service') {
        throw invalidParameter(
          '"disable_ramdisk" can only be used with the "clean" and "service" targets.',
        );
      }
    }
    const node = this.nodes.get(ident);
    const event = verbToEvent(verb);
    if (!nextState(node.provisionState, event)) {
      throw new ConductorError(
        'InvalidStateRequested',
        `The requested action "${verb}" can not be performed on node "${node.uuid}" while it is in state "${node.provisionState}".`,
      );
    }
    if (verb === 'service' && !this.o.servicing) {
      throw invalidParameter('The "service" action is not supported by this conductor.');
    }
    this.checkConcurrency(verb);
    if (deploy) {
      // Ironic validates the deploy interface before accepting the request.
      if (node.maintenance) {
        throw invalidParameter(
          `The ${verb} operation can't be performed on node ${node.uuid} because it's in maintenance mode.`,
        );
      }
      const problem = deployValidationError(node);
      if (problem) throw invalidParameter(problem);
    }
    const lock = this.nodes.locks.tryAcquire(node.uuid, `provision:${verb}`);
    if (!lock) throw nodeLocked(node.uuid, this.nodes.locks.holder(node.uuid) ?? 'conductor');
    let worker: () => void;
    try {
      worker = this.o.pool?.acquire(true) ?? (() => undefined);
    } catch (err) {
      lock();
      throw err;
    }
    const release = () => {
      lock();
      worker();
    };
    let work: Promise<void>;
    try {
      work = this.begin(node, verb, {
        steps,
        disableRamdisk: body.disable_ramdisk === true,
        deploy,
        rescuePassword,
      });
    } catch (err) {
      release();
      throw err;
    }
    const tracked = work
      .catch((err: unknown) =>
        this.o.logger.error({ err, node: node.uuid, verb }, 'provision action crashed'),
      )
      .finally(() => {
        release();
        this.inflight.delete(tracked);
      });
    this.inflight.add(tracked);
  }

  /** A heartbeat recorded in a state that drives the node forward (lock held by the caller). */
  async onHeartbeat(row: NodeRow): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- other states only record heartbeats
    switch (row.provisionState as ProvisionState) {
      case 'clean wait':
        return this.o.cleaning.onHeartbeat(row);
      case 'service wait':
        return this.o.servicing?.onHeartbeat(row);
      case 'wait call-back':
        return this.o.deploying.onHeartbeat(row);
      case 'rescue wait':
        return this.o.rescuing.onHeartbeat(row);
      default:
        return;
    }
  }

  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Global caps on nodes cleaning or deploying at once: beyond them requests are refused (503),
   * not queued, so a bulk `provide` cannot take every worker from the agents' heartbeats.
   */
  private checkConcurrency(verb: ApiVerb): void {
    const cleaning =
      verb === 'provide' || verb === 'clean' || verb === 'deleted' || verb === 'undeploy';
    const deploying = verb === 'active' || verb === 'deploy' || verb === 'rebuild';
    if (!cleaning && !deploying) return;
    const limit = cleaning
      ? (this.o.maxConcurrentClean ?? 50)
      : (this.o.maxConcurrentDeploy ?? 250);
    const count = this.nodes.store.countInStates(cleaning ? CLEANING_STATES : DEPLOYING_STATES);
    if (count >= limit) {
      throw new ConductorError(
        'ConcurrentActionLimit',
        `Unable to complete the requested action because the conductor is at maximum capacity for ${cleaning ? (verb === 'provide' || verb === 'clean' ? 'cleaning' : 'unprovisioning') : 'provisioning'}. Please retry later.`,
      );
    }
  }

  /** `configdrive` and `deploy_steps` of deploy/rebuild; refused with any other verb. */
  private deployRequest(
    verb: ApiVerb,
    body: z.infer<typeof bodySchema>,
    minor: number,
  ): DeployRequest | undefined {
    const deploying = verb === 'active' || verb === 'deploy' || verb === 'rebuild';
    if (!deploying) {
      if (body.configdrive !== undefined) {
        // Ironic's wording (check_allow_configdrive).
        throw invalidParameter(
          'Adding a config drive is only supported when setting provision state to active, rebuild',
        );
      }
      if (body.deploy_steps !== undefined) {
        throw invalidParameter(
          '"deploy_steps" is only valid for the "active" and "rebuild" targets.',
        );
      }
      return undefined;
    }
    const out: DeployRequest = {};
    const cd = configDriveRequest(body.configdrive, minor);
    if (cd !== undefined) out.configdrive = cd;
    if (body.deploy_steps !== undefined) {
      if (minor < 69) {
        throw new ConductorError(
          'NotAcceptable',
          'The "deploy_steps" field requires API version 1.69 or newer.',
        );
      }
      const parsed = z.array(userDeployStepSchema).safeParse(body.deploy_steps);
      if (!parsed.success) {
        throw invalidParameter(
          `Invalid deploy_steps: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      }
      const problems = userDeployStepProblems(parsed.data);
      if (problems.length) throw invalidParameter(problems.join('; '));
      out.userSteps = parsed.data;
    }
    return out;
  }

  /** `service_steps`: required with `service`, shaped like manual clean steps. */
  private serviceSteps(raw: unknown): ManualStep[] {
    if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) {
      throw invalidParameter(
        '"service_steps" is required when setting target provision state to service',
      );
    }
    const parsed = z.array(manualStepSchema).safeParse(raw);
    if (!parsed.success) {
      throw invalidParameter(
        `Invalid service_steps: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  }

  private cleanSteps(verb: ApiVerb, raw: unknown[] | undefined): ManualStep[] | undefined {
    if (verb !== 'clean') {
      if (raw !== undefined)
        throw invalidParameter('"clean_steps" is only valid for the "clean" target.');
      return undefined;
    }
    if (!raw || raw.length === 0) {
      throw invalidParameter(
        '"clean_steps" is required when setting target provision state to clean',
      );
    }
    const parsed = z.array(manualStepSchema).safeParse(raw);
    if (!parsed.success) {
      throw invalidParameter(
        `Invalid clean_steps: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  }

  /** `rescue_password`: required, non-empty, for rescue only. */
  private rescuePassword(verb: ApiVerb, password: string | undefined): string | undefined {
    if (verb !== 'rescue') {
      if (password !== undefined) {
        throw invalidParameter(
          '"rescue_password" is only valid when setting target provision state to rescue',
        );
      }
      return undefined;
    }
    if (!password || !password.trim()) {
      throw invalidParameter(
        'A non-empty "rescue_password" is required when setting target provision state to rescue',
      );
    }
    return password;
  }

  /** The synchronous part; returns the asynchronous remainder. */
  private begin(
    node: NodeRow,
    verb: ApiVerb,
    req: {
      steps: ManualStep[] | undefined;
      disableRamdisk: boolean;
      deploy: DeployRequest | undefined;
      rescuePassword: string | undefined;
    },
  ): Promise<void> {
    const { steps, disableRamdisk, deploy } = req;
    const data = { verb };
    switch (verb) {
      case 'manage': {
        if (node.provisionState !== 'enroll') {
          this.nodes.transition(node, 'manage', { data });
          return Promise.resolve();
        }
        const row = this.nodes.transition(node, 'manage', { data });
        return this.verify(row);
      }
      case 'provide': {
        const row = this.nodes.transition(node, 'provide', { target: 'available', data });
        return this.o.cleaning.start(row);
      }
      case 'clean': {
        const row = this.nodes.transition(node, 'clean', { target: 'manageable', data });
        return this.o.cleaning.start(row, steps, { disableRamdisk });
      }
      case 'inspect': {
        const row = this.nodes.transition(node, 'inspect', {
          data,
          patch: { inspectionStartedAt: this.nodes.now(), inspectionFinishedAt: null },
        });
        return this.inspect(row);
      }
      case 'abort':
        this.abort(node);
        return Promise.resolve();
      case 'unhold': {
        const row = this.nodes.transition(node, 'unhold', { data });
        if (row.provisionState === 'wait call-back') return this.o.deploying.continueAfterHold(row);
        if (row.provisionState === 'service wait') {
          return this.o.servicing?.continueAfterHold(row) ?? Promise.resolve();
        }
        return this.o.cleaning.continueAfterHold(row);
      }
      case 'active':
      case 'deploy':
      case 'rebuild': {
        const row = this.nodes.transition(node, verbToEvent(verb), { target: 'active', data });
        return this.o.deploying.start(row, deploy);
      }
      case 'deleted':
      case 'undeploy': {
        const row = this.nodes.transition(node, 'delete', { target: 'available', data });
        return this.o.deploying.tearDown(row);
      }
      case 'adopt': {
        const row = this.nodes.transition(node, 'adopt', { target: 'active', data });
        return this.o.adopting.adopt(row);
      }
      case 'rescue': {
        const row = this.nodes.transition(node, 'rescue', { target: 'rescue', data });
        return this.o.rescuing.start(row, req.rescuePassword ?? '');
      }
      case 'unrescue': {
        const row = this.nodes.transition(node, 'unrescue', { target: 'active', data });
        return this.o.rescuing.unrescue(row);
      }
      case 'service': {
        const row = this.nodes.transition(node, 'service', { target: 'active', data });
        return this.o.servicing!.start(row, steps ?? [], { disableRamdisk });
      }
    }
  }

  /** verifying: the credentials work if the BMC tells us the power state. */
  private async verify(node: NodeRow): Promise<void> {
    try {
      const power = await this.o.power.read(node);
      this.nodes.transition(node, 'done', { patch: { powerState: power, lastError: null } });
    } catch (err) {
      this.nodes.transition(node, 'fail', {
        patch: {
          lastError: `Failed to get power state for node ${node.uuid}. Error: ${(err as Error).message}`,
        },
      });
    }
  }

  /** In-band inspection: boot the ramdisk; its continue_inspection call finishes it. */
  private async inspect(node: NodeRow): Promise<void> {
    try {
      const row = await this.o.boot.bootRamdisk(node);
      this.nodes.transition(row, 'wait');
    } catch (err) {
      this.nodes.transition(this.nodes.get(node.uuid), 'fail', {
        patch: { lastError: `Failed to inspect node ${node.uuid}: ${(err as Error).message}` },
      });
    }
  }

  private abort(node: NodeRow): void {
    const state = node.provisionState as ProvisionState;
    if (state === 'clean wait' || state === 'clean hold') {
      this.o.cleaning.abort(node);
      return;
    }
    if (state === 'wait call-back' || state === 'deploy hold') {
      this.o.deploying.abort(node);
      return;
    }
    if (state === 'rescue wait') {
      this.o.rescuing.abort(node);
      return;
    }
    if ((state === 'service wait' || state === 'service hold') && this.o.servicing) {
      this.o.servicing.abort(node);
      return;
    }
    if (state === 'service failed') {
      // Back to the instance as it is: the operator gives up on the service steps.
      this.nodes.transition(node, 'abort');
      return;
    }
    const message =
      state === 'inspect wait'
        ? 'Inspection was aborted by request.'
        : `By request, the operation was aborted in state "${state}".`;
    this.nodes.transition(node, 'abort', { patch: { lastError: message } });
  }
}

// Characters of a base64 text, newlines and spaces included (Ironic's `_B64_ALPHABET`).
const BASE64_TEXT = /^[A-Za-z0-9+/=\s]*$/;

/**
 * `configdrive` as Ironic's API checks it: a URL, a base64 string (the gzipped ISO), or (API
 * 1.56) a JSON object with `meta_data`, `network_data`, `user_data` and (1.59) `vendor_data`.
 */
function configDriveRequest(cd: unknown, minor: number): string | ConfigDriveJson | undefined {
  if (cd === undefined || cd === null || cd === '') return undefined;
  if (typeof cd === 'string') {
    if (!cd.includes('://') && !BASE64_TEXT.test(cd)) {
      throw invalidParameter(
        'Invalid configdrive format: it is neither a JSON, nor a URL, nor a base64 string',
      );
    }
    return cd;
  }
  const parsed = configDriveJsonSchema.safeParse(cd);
  if (!parsed.success) {
    throw invalidParameter(
      `Invalid configdrive format: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'configdrive'}: ${i.message}`).join('; ')}`,
    );
  }
  if (minor < 56) {
    throw invalidParameter(
      'Providing a JSON object for configdrive is only supported starting with API version 1.56',
    );
  }
  if (parsed.data.vendor_data !== undefined && minor < 59) {
    throw invalidParameter(
      'Providing vendor_data in configdrive is only supported starting with API version 1.59',
    );
  }
  return parsed.data;
}
