import { describe, expect, it } from 'vitest';
import type { NodeEvent } from '../_server/lab-ports';
import { buildTimeline } from './timeline';

let nextId = 1;
const ev = (second: number, type: string, data: Record<string, unknown> = {}): NodeEvent => ({
  id: nextId++,
  node_uuid: 'n1',
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
  type,
  data,
});
const t = (second: number) => Date.UTC(2026, 0, 1, 0, 0, second);
const plan = ['deploy.erase_devices_metadata', 'deploy.erase_devices'];

describe('buildTimeline', () => {
  it('has nothing before any clean or deploy', () => {
    expect(buildTimeline([ev(0, 'node.created'), ev(1, 'power.changed')])).toBeNull();
  });

  it('follows a run in progress: done, running, pending', () => {
    const timeline = buildTimeline([
      ev(0, 'clean.started', { manual: false }),
      ev(1, 'clean.steps', { steps: plan }),
      ev(2, 'clean.step_started', { step: plan[0], index: 0, of: 2 }),
      ev(5, 'clean.step_finished', { step: plan[0], index: 0, result: null }),
      ev(6, 'clean.step_started', { step: plan[1], index: 1, of: 2 }),
    ]);
    expect(timeline).toEqual({
      kind: 'clean',
      startedAt: t(0),
      finishedAt: null,
      outcome: 'running',
      steps: [
        { name: plan[0], status: 'done', startedAt: t(2), finishedAt: t(5), error: null },
        { name: plan[1], status: 'running', startedAt: t(6), finishedAt: null, error: null },
      ],
    });
  });

  it('marks the failing step, its error, and skips what never ran', () => {
    const timeline = buildTimeline([
      ev(0, 'clean.started'),
      ev(1, 'clean.steps', { steps: plan }),
      ev(2, 'clean.step_started', { step: plan[0], index: 0, of: 2 }),
      ev(3, 'provision.transition', {
        from: 'clean wait',
        to: 'clean failed',
        event: 'fail',
        error: 'wipefs is not installed',
      }),
    ]);
    expect(timeline?.outcome).toBe('failed');
    expect(timeline?.finishedAt).toBe(t(3));
    expect(timeline?.steps.map((s) => [s.status, s.error])).toEqual([
      ['failed', 'wipefs is not installed'],
      ['skipped', null],
    ]);
  });

  it('reads only the latest run, of either kind', () => {
    const timeline = buildTimeline([
      ev(0, 'clean.started'),
      ev(1, 'clean.finished'),
      ev(2, 'deploy.started'),
      ev(3, 'deploy.step_started', { step: 'deploy.write_image', index: 0, of: 3 }),
      ev(4, 'deploy.step_finished', { step: 'deploy.write_image', index: 0 }),
      ev(5, 'deploy.finished'),
    ]);
    expect(timeline).toMatchObject({ kind: 'deploy', outcome: 'succeeded', finishedAt: t(5) });
    expect(timeline?.steps.map((s) => [s.name, s.status])).toEqual([
      ['deploy.write_image', 'done'],
      ['?', 'skipped'],
      ['?', 'skipped'],
    ]);
  });
});
