import { InvalidCommandParamsError } from '../errors';
import type { Extension } from '../extension';
import type { AgentServices } from '../services';

/** `poll`: fresh inventory; `set_node_info` is refused, as IPA no longer has standalone mode. */
export function pollExtension(services: AgentServices): Extension {
  return {
    name: 'poll',
    commands: {
      get_hardware_info: {
        mode: 'sync',
        params: [],
        run: (_params, ctx) => services.collectInventory(ctx.signal),
      },
      get_node_info: {
        mode: 'sync',
        params: [],
        run: () => services.node,
      },
      set_node_info: {
        mode: 'sync',
        params: ['node_info'],
        validate: () => {
          throw new InvalidCommandParamsError('Node info can only be set in standalone mode');
        },
        run: () => null,
      },
    },
  };
}
