/**
 * Running one action over many machines: bounded concurrency so a hundred BMCs are not hit at
 * once, and failures grouped by cause so an operator reads one line per problem, not per machine.
 */
export interface BulkTarget {
  uuid: string;
  name: string;
}

export interface BulkFailureGroup {
  message: string;
  machines: BulkTarget[];
}

export interface BulkResult {
  total: number;
  succeeded: BulkTarget[];
  failed: BulkFailureGroup[];
}

/** Maps `items` through `fn`, at most `limit` at a time, keeping input order in the results. */
export async function settleWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await fn(items[index]!) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The message with the machine's own name and UUID blanked, so equal causes group together. */
export function genericMessage(message: string, target: BulkTarget): string {
  return message
    .replace(new RegExp(escape(target.uuid), 'g'), '<machine>')
    .replace(new RegExp(`\\b${escape(target.name)}\\b`, 'g'), '<machine>');
}

export function summarise(
  targets: readonly BulkTarget[],
  results: readonly PromiseSettledResult<unknown>[],
): BulkResult {
  const succeeded: BulkTarget[] = [];
  const groups = new Map<string, BulkTarget[]>();
  targets.forEach((target, i) => {
    const result = results[i];
    if (result?.status === 'fulfilled') {
      succeeded.push(target);
      return;
    }
    const reason: unknown = result?.reason;
    const raw = reason instanceof Error ? reason.message : String(reason);
    const key = genericMessage(raw, target);
    groups.set(key, [...(groups.get(key) ?? []), target]);
  });
  const failed = [...groups].map(([message, machines]) => ({ message, machines }));
  failed.sort((a, b) => b.machines.length - a.machines.length);
  return { total: targets.length, succeeded, failed };
}
