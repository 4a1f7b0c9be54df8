import type { NodeEvent } from '../_server/lab-ports';

/**
 * The last clean or deploy run of a machine as a timeline, rebuilt from the node's recorded
 * history: the plan (`<kind>.steps`), each step's start and end, and how the run ended. Works
 * after the run too, when Ironic has already cleared the step list from the node.
 */
export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface TimelineStep {
  name: string;
  status: StepStatus;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
}

export interface Timeline {
  kind: 'clean' | 'deploy';
  startedAt: number;
  finishedAt: number | null;
  outcome: 'running' | 'succeeded' | 'failed';
  steps: TimelineStep[];
}

const at = (event: NodeEvent): number | null => {
  const ms = Date.parse(event.at);
  return Number.isNaN(ms) ? null : ms;
};
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const int = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;

function blank(name: string): TimelineStep {
  return { name, status: 'pending', startedAt: null, finishedAt: null, error: null };
}

export function buildTimeline(events: readonly NodeEvent[]): Timeline | null {
  let startIndex = -1;
  for (let i = events.length - 1; i >= 0; i--) {
    const type = events[i]!.type;
    if (type === 'clean.started' || type === 'deploy.started') {
      startIndex = i;
      break;
    }
  }
  if (startIndex === -1) return null;
  const start = events[startIndex]!;
  const kind = start.type.startsWith('clean') ? 'clean' : 'deploy';
  const timeline: Timeline = {
    kind,
    startedAt: at(start) ?? 0,
    finishedAt: null,
    outcome: 'running',
    steps: [],
  };
  const step = (index: number, name: string | null): TimelineStep => {
    while (timeline.steps.length <= index) timeline.steps.push(blank('?'));
    const entry = timeline.steps[index]!;
    if (name) entry.name = name;
    return entry;
  };

  for (const event of events.slice(startIndex + 1)) {
    const data = event.data;
    switch (event.type) {
      case `${kind}.steps`: {
        const names = Array.isArray(data.steps)
          ? data.steps.filter((s) => typeof s === 'string')
          : [];
        timeline.steps = names.map((name, i) => ({ ...blank(name), ...timeline.steps[i], name }));
        break;
      }
      case `${kind}.step_started`: {
        const index = int(data.index);
        if (index === null) break;
        const of = int(data.of);
        if (of !== null) while (timeline.steps.length < of) timeline.steps.push(blank('?'));
        Object.assign(step(index, str(data.step)), { status: 'running', startedAt: at(event) });
        break;
      }
      case `${kind}.step_finished`: {
        const index = int(data.index);
        if (index !== null)
          Object.assign(step(index, str(data.step)), { status: 'done', finishedAt: at(event) });
        break;
      }
      case `${kind}.finished`:
        timeline.outcome = 'succeeded';
        timeline.finishedAt = at(event);
        break;
      case 'provision.transition':
        if (data.event === 'fail' || data.event === 'abort') {
          timeline.outcome = 'failed';
          timeline.finishedAt = at(event);
          const failed = timeline.steps.find((s) => s.status === 'running');
          if (failed)
            Object.assign(failed, {
              status: 'failed',
              finishedAt: at(event),
              error: str(data.error),
            });
        }
        break;
    }
  }
  if (timeline.outcome !== 'running') {
    for (const s of timeline.steps)
      if (s.status === 'pending' || s.status === 'running') s.status = 'skipped';
  }
  return timeline;
}
