/** An event's family: the part of its type before the first dot (`clean.step_started` → clean). */
export function eventFamily(type: string): string {
  const dot = type.indexOf('.');
  return dot === -1 ? type : type.slice(0, dot);
}

/** Families present in the history with their counts, most frequent first. */
export function familyCounts(events: readonly { type: string }[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const event of events) {
    const family = eventFamily(event.type);
    counts.set(family, (counts.get(family) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The events of the chosen families (all of them when none is chosen). */
export function filterByFamily<E extends { type: string }>(
  events: readonly E[],
  families: ReadonlySet<string>,
): E[] {
  return families.size === 0
    ? [...events]
    : events.filter((e) => families.has(eventFamily(e.type)));
}
