import type { Dispatcher } from 'undici';
import type { Machine } from '../machine';

/**
 * The machine's wire as the agent's outgoing HTTP meets it. With the provisioning NIC's link
 * down (`link-down`, a cut cable) every request fails as the kernel fails it: ENETUNREACH.
 * While the `image-corrupt` fault is on, every body chunk of a download (a GET that is not the
 * Ironic API) arrives with one byte flipped, as through a faulty NIC or a broken caching proxy:
 * the bytes still flow, only the agent's checksum verification can tell. Faults are consulted
 * per request and per chunk, so clearing one heals the rest of a transfer at once.
 */
export function machineNetwork(
  machine: Machine,
  ironicApiUrls: readonly string[],
): Dispatcher.DispatcherComposeInterceptor {
  const apis = ironicApiUrls.flatMap((url) => {
    try {
      const u = new URL(url);
      return [{ origin: u.origin, base: u.pathname.replace(/\/+$/, '') }];
    } catch {
      return [];
    }
  });
  const isIronic = (origin: string, path: string) =>
    apis.some(
      (api) =>
        api.origin === origin &&
        path.startsWith(api.base) &&
        /^\/?(v1([/?]|$)|$|\?)/.test(path.slice(api.base.length)),
    );
  return (dispatch) => (opts, handler) => {
    if (!provisioningLinkUp(machine)) {
      const cause = Object.assign(new Error('connect ENETUNREACH'), { code: 'ENETUNREACH' });
      // As undici's own interceptors report a failure before any connection: asynchronously.
      queueMicrotask(() => handler.onResponseError?.(NO_CONTROLLER, cause));
      return true;
    }
    const origin = opts.origin === undefined ? '' : new URL(String(opts.origin)).origin;
    if ((opts.method ?? 'GET') !== 'GET' || isIronic(origin, opts.path)) {
      return dispatch(opts, handler);
    }
    return dispatch(
      opts,
      corrupting(handler, () => machine.faults.imageCorrupt),
    );
  };
}

function provisioningLinkUp(machine: Machine): boolean {
  const provisioning = machine.spec.nics.find((nic) => nic.ipv4 !== null);
  return provisioning !== undefined && machine.linkedNics().includes(provisioning);
}

/** A request that never left the machine has nothing to abort, pause or resume. */
const NO_CONTROLLER: Dispatcher.DispatchController = {
  aborted: false,
  paused: false,
  reason: null,
  abort: () => undefined,
  pause: () => undefined,
  resume: () => undefined,
};

/**
 * The same handler with body chunks altered while `active()`. A Proxy keeps whichever handler
 * style (undici's legacy onData or the newer onResponseData) the caller used.
 */
function corrupting(
  handler: Dispatcher.DispatchHandler,
  active: () => boolean,
): Dispatcher.DispatchHandler {
  return new Proxy(handler, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (prop === 'onData') {
        return (chunk: Buffer) => method.call(target, active() ? flipped(chunk) : chunk);
      }
      if (prop === 'onResponseData') {
        return (controller: unknown, chunk: Buffer) =>
          method.call(target, controller, active() ? flipped(chunk) : chunk);
      }
      return method.bind(target);
    },
  });
}

function flipped(chunk: Buffer): Buffer {
  if (chunk.length === 0) return chunk;
  const copy = Buffer.from(chunk);
  copy[copy.length >> 1]! ^= 0xff;
  return copy;
}
