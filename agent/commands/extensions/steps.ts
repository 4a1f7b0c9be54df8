import { isDeepStrictEqual } from 'node:util';
import type { HardwareDispatcher, StepPhase } from '../../hardware/dispatch';
import { RestError, StepError, VersionMismatch } from '../errors';
import { type CommandParams, type Extension, isObject } from '../extension';

const ERROR_TYPE = {
  clean: 'CleaningError',
  deploy: 'DeploymentError',
  service: 'ServicingError',
} as const;

/**
 * `clean`, `deploy` and `service`: list steps and run one step, delegating to the hardware
 * managers (research/ipa.md §2, §4.5).
 */
export function stepExtension(phase: StepPhase, hardware: HardwareDispatcher): Extension {
  const versionParam = `${phase}_version`;
  const required = (params: CommandParams, names: string[]) => {
    const missing = names.filter((n) => !(n in params));
    if (missing.length > 0) {
      // IPA fails such a call with a TypeError at call time: a FAILED result.
      throw new TypeError(
        `missing required argument${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
      );
    }
  };
  const nodeOf = (params: CommandParams) => (isObject(params.node) ? params.node : null);
  const portsOf = (params: CommandParams): unknown[] =>
    Array.isArray(params.ports) ? (params.ports as unknown[]) : [];

  return {
    name: phase,
    commands: {
      [`get_${phase}_steps`]: {
        mode: 'sync',
        params: ['node', 'ports'],
        validate: (params) => required(params, ['node', 'ports']),
        run: async (params, ctx) => {
          const node = nodeOf(params);
          await hardware.cacheNode(node);
          const steps = await hardware.getSteps(phase, node, portsOf(params), ctx);
          return { [`${phase}_steps`]: steps, hardware_manager_version: hardware.versions() };
        },
      },
      [`execute_${phase}_step`]: {
        mode: 'async',
        params: 'any',
        validate: (params) => required(params, ['step', 'node', 'ports']),
        run: async (params, ctx) => {
          const { step, node: _node, ports: _ports, [versionParam]: expected, ...extra } = params;
          const node = nodeOf(params);
          await hardware.cacheNode(node);
          if (expected !== undefined && expected !== null) {
            const current = hardware.versions();
            if (!isDeepStrictEqual(expected, current)) throw new VersionMismatch(current, expected);
          }
          if (!isObject(step) || typeof step.step !== 'string' || step.step === '') {
            throw new Error(`Malformed ${phase}_step, no "step" key: ${JSON.stringify(step)}`);
          }
          const kwargs = { ...extra, ...(isObject(step.args) ? step.args : {}) };
          ctx.logger.info(
            { step: step.step, kwargs: Object.keys(kwargs) },
            `executing ${phase} step`,
          );
          let result: unknown;
          try {
            result = await hardware.dispatch(step.step, {
              node,
              ports: portsOf(params),
              kwargs,
              ctx,
            });
          } catch (err) {
            if (err instanceof RestError) throw err;
            const cls = err instanceof Error ? err.name : typeof err;
            const msg = err instanceof Error ? err.message : String(err);
            throw new StepError(
              ERROR_TYPE[phase],
              `Unexpected exception performing ${phase} step ${step.step}. ${cls}: ${msg}`,
            );
          }
          return { [`${phase}_result`]: result ?? null, [`${phase}_step`]: step };
        },
      },
    },
  };
}
