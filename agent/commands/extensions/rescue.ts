import { InvalidCommandParamsError } from '../errors';
import { type Extension, isBoolean, isString, optionalParam } from '../extension';
import type { AgentServices } from '../services';
import { sha256Crypt } from '../../../lib';

export const RESCUE_PASSWORD_FILE = '/etc/ipa-rescue-config/ipa-rescue-password';
export const RESCUED_MARKER = '/etc/.rescued';

/** `rescue.finalize_rescue`: leave the password for the ramdisk's rescue user, then stop the API. */
export function rescueExtension(services: AgentServices): Extension {
  return {
    name: 'rescue',
    commands: {
      finalize_rescue: {
        mode: 'sync',
        params: ['rescue_password', 'hashed'],
        validate: (params) => {
          if (params.rescue_password !== undefined && typeof params.rescue_password !== 'string') {
            throw new InvalidCommandParamsError('rescue_password must be a string');
          }
        },
        run: async (params, ctx) => {
          const password = optionalParam(params, 'rescue_password', isString, '', 'a string');
          const hashed = optionalParam(params, 'hashed', isBoolean, false, 'a boolean');
          const { host } = services;
          // The directory is the ramdisk's; mkdir is harmless where it exists.
          await host
            .run('mkdir', ['-p', '/etc/ipa-rescue-config'], { signal: ctx.signal })
            .catch(() => undefined);
          await host.writeFile(RESCUE_PASSWORD_FILE, hashed ? password : sha256Crypt(password));
          await host.writeFile(RESCUED_MARKER, '');
          ctx.logger.info('rescue password written; the API stops now');
          services.stopServingApi('rescue');
          return null;
        },
      },
    },
  };
}
