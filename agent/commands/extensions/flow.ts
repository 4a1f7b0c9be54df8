import { CommandExecutionError } from '../errors';
import { type CommandContext, type Extension, isObject } from '../extension';

export type NestedRunner = (
  name: string,
  params: Record<string, unknown>,
  ctx: CommandContext,
) => Promise<unknown>;

/**
 * `flow.start_flow`: runs `[{"<ext>.<cmd>": {params}}, …]` one after the other outside the
 * visible result store, failing at the first failing sub-command (the agent is busy meanwhile).
 */
export function flowExtension(run: NestedRunner): Extension {
  return {
    name: 'flow',
    commands: {
      start_flow: {
        mode: 'async',
        params: ['flow'],
        validate: (params) => {
          if (!Array.isArray(params.flow)) throw new TypeError('flow must be a list');
        },
        run: async (params, ctx) => {
          const steps = params.flow as unknown[];
          for (const [i, item] of steps.entries()) {
            if (!isObject(item) || Object.keys(item).length !== 1) {
              throw new CommandExecutionError(
                `flow item ${i} must map one command name to its params`,
              );
            }
            const [name, sub] = Object.entries(item)[0]!;
            ctx.logger.info({ name, index: i }, 'flow: running sub-command');
            await run(name, isObject(sub) ? sub : {}, ctx);
          }
          return null;
        },
      },
    },
  };
}
