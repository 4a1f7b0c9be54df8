import type { Dispatcher } from 'undici';
import type { Machine } from '../machine';

/**
 * The machine's wire as the agent's outgoing HTTP meets it. While the `image-corrupt` fault is
 * on, every body chunk of a download (a GET that is not the Ironic API) arrives with one byte
 * flipped, as through a faulty NIC or a broken caching proxy: the bytes still flow, only the
 * agent's checksum verification can tell. The fault is consulted per chunk, so clearing it
 * heals the rest of a transfer at once.
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
