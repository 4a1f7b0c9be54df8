import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenariosFor } from '.';
import { rejection, startTestLab, type TestLab } from '../testing/test-lab';

// Scenarios played against the real lab (conductor, simulated machines, real agents) on a fake
// clock, through the same tRPC procedures the simulator panel calls.
let t: TestLab;
const caller = () => t.caller();

beforeAll(async () => {
  t = await startTestLab(1);
});

afterAll(async () => {
  await t?.stop();
});

function runOf(id: string) {
  const run = scenariosFor(t.lab)
    .list()
    .find((r) => r.id === id);
  if (!run) throw new Error(`no run ${id}`);
  return run;
}

async function runUntilEnded(id: string, stepMs = 1_000) {
  await t.advanceUntil(() => runOf(id).status !== 'running', stepMs, 3_600_000);
  return runOf(id);
}

describe('training scenarios', () => {
  it('lists the scenarios with the state each should end in', async () => {
    const scenarios = await caller().fleet.scenarios();
    expect(scenarios.map((s) => [s.id, s.expect])).toEqual([
      ['disk-dies-during-cleaning', 'clean failed'],
      ['slow-disk-during-cleaning', 'available'],
      ['agent-crashes-mid-step', 'clean failed'],
      ['bmc-goes-away-during-deploy', 'deploy failed'],
    ]);
  });

  it('a disk dying when erasing starts ends cleaning in clean failed, with the reason', async () => {
    const started = await caller().fleet.startScenario({ scenario: 'disk-dies-during-cleaning' });
    expect(started).toMatchObject({ status: 'running', machine: 'drill-01', injected: null });
    const run = await runUntilEnded(started.id);
    expect(run.status).toBe('passed');
    expect(run.injected).toMatch(/^disk \w+ fails every read and write$/);
    expect(run.outcome?.state).toBe('clean failed');
    expect(run.outcome?.reason).toMatch(/erase/i);
    const node = t.lab.conductor.getNode('drill-01');
    expect(node?.provision_state).toBe('clean failed');
    expect(node?.last_error).toBe(run.outcome?.reason);
    expect(t.lab.fleet.faults('drill-01')).toEqual([
      { kind: 'disk-failure', disk: run.injected!.split(' ')[1] },
    ]);

    // Clearing takes the fault away again and leaves the node where it came to rest.
    const cleared = await caller().fleet.clearScenario({ run: started.id });
    expect(cleared.status).toBe('passed');
    expect(t.lab.fleet.faults('drill-01')).toEqual([]);
  });

  it('refuses a machine in the wrong state, an unknown scenario and an unknown run', async () => {
    const wrong = await rejection(
      caller().fleet.startScenario({ scenario: 'disk-dies-during-cleaning', machine: 'drill-01' }),
    );
    expect(wrong.code).toBe('CONFLICT');
    expect(wrong.message).toBe('drill-01 is clean failed; this scenario starts from manageable');
    const unknown = await rejection(caller().fleet.startScenario({ scenario: 'meteor' }));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toBe('no scenario "meteor"');
    const run = await rejection(caller().fleet.clearScenario({ run: '999' }));
    expect(run.code).toBe('NOT_FOUND');
    const bad = await rejection(caller().fleet.startScenario({ scenario: '' }));
    expect(bad.message).toMatch(/^Invalid input: scenario: /);
  });

  it('a BMC going away as deploying starts ends in deploy failed', async () => {
    const started = await caller().fleet.startScenario({
      scenario: 'bmc-goes-away-during-deploy',
    });
    const run = await runUntilEnded(started.id);
    expect(run.injected).toBe('BMC stopped answering');
    expect(run.outcome?.state).toBe('deploy failed');
    expect(run.status).toBe('passed');
    expect(run.outcome?.reason).toBeTruthy();
  });

  it('an agent killed mid-step cannot be reached, and its clean step fails', async () => {
    const started = await caller().fleet.startScenario({ scenario: 'agent-crashes-mid-step' });
    const run = await runUntilEnded(started.id);
    expect(run.injected).toBe('killed the agent process');
    expect(t.lab.fleet.get(run.machine)?.agent).toBe('failed');
    expect(run).toMatchObject({ status: 'passed', outcome: { state: 'clean failed' } });
    // The conductor's wording may change; the step and the agent's absence must be named.
    expect(run.outcome?.reason).toMatch(/erase_devices\w*.*Agent at \S+ is unreachable/);
  });

  it('a slow disk delays cleaning but it still ends available', async () => {
    const started = await caller().fleet.startScenario({ scenario: 'slow-disk-during-cleaning' });
    // The slowed erase takes a long lab time; bigger clock steps keep the test quick.
    const run = await runUntilEnded(started.id, 10_000);
    expect(run.injected).toMatch(/^disk \w+ 5× slower$/);
    expect(run).toMatchObject({ status: 'passed', outcome: { state: 'available', reason: null } });
    await caller().fleet.clearScenario({ run: started.id });
    expect(t.lab.fleet.faults(run.machine)).toEqual([]);
  });

  it('cancelling a running scenario stops watching and clears nothing it did not inject', async () => {
    const started = await caller().fleet.startScenario({ scenario: 'slow-disk-during-cleaning' });
    const cancelled = await caller().fleet.clearScenario({ run: started.id });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.log.at(-1)?.text).toBe('cancelled');
  });
});
