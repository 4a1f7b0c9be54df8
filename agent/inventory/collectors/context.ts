import type { Logger } from '../../../lib';
import { type Host, HostError } from '../../host';

export interface CollectorContext {
  host: Host;
  logger: Logger | undefined;
  signal: AbortSignal | undefined;
}

/** Reads a file, or null when it is missing or unreadable (sysfs files often are). */
export async function readOptional(ctx: CollectorContext, path: string): Promise<string | null> {
  try {
    return await ctx.host.readFile(path);
  } catch {
    return null;
  }
}

export async function readTrimmed(ctx: CollectorContext, path: string): Promise<string | null> {
  const text = await readOptional(ctx, path);
  if (text === null) return null;
  const t = text.trim();
  return t === '' ? null : t;
}

export async function listOptional(ctx: CollectorContext, path: string): Promise<string[]> {
  try {
    return await ctx.host.listDir(path);
  } catch {
    return [];
  }
}

export async function readLinkOptional(
  ctx: CollectorContext,
  path: string,
): Promise<string | null> {
  try {
    return await ctx.host.readLink(path);
  } catch {
    return null;
  }
}

/** Output of a command that exited 0; null (logged at debug) when missing or failing. */
export async function runOptional(
  ctx: CollectorContext,
  command: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<string | null> {
  try {
    const out = await ctx.host.run(command, args, { timeoutMs, signal: ctx.signal });
    if (out.exitCode === 0) return out.stdout;
    ctx.logger?.debug(
      { command, args, exitCode: out.exitCode, stderr: out.stderr.trim().slice(0, 500) },
      'command failed',
    );
    return null;
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    const reason = err instanceof HostError ? err.code : String(err);
    ctx.logger?.debug({ command, args, reason }, 'command unavailable');
    return null;
  }
}

export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
