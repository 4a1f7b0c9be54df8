/** The last few searches an operator applied, newest first, kept in this browser only. */
const KEY = 'baremetal-lab:recent-searches';
export const MAX_RECENT = 6;

export function rememberSearch(list: readonly string[], query: string): string[] {
  const q = query.trim();
  if (q === '') return [...list];
  return [q, ...list.filter((item) => item !== q)].slice(0, MAX_RECENT);
}

export function loadRecent(storage: Pick<Storage, 'getItem'> | undefined): string[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(KEY) ?? '[]');
    return Array.isArray(parsed)
      ? parsed.filter((v): v is string => typeof v === 'string').slice(0, MAX_RECENT)
      : [];
  } catch {
    return [];
  }
}

export function saveRecent(
  storage: Pick<Storage, 'setItem'> | undefined,
  list: readonly string[],
): void {
  try {
    storage?.setItem(KEY, JSON.stringify(list));
  } catch {
    // Private mode or a full quota: recent searches are a convenience, not state.
  }
}
