import { describe, expect, it } from 'vitest';
import { PROVISION_STATES } from '../../protocol';
import {
  API_VERBS,
  isVerbAllowed,
  nextState,
  verbToEvent,
  defaultTarget,
  type ProvisionEvent,
} from './state-machine';

// Written out independently of the module, from ironic/common/state_machine.py
// (research conductor-bmc.md §1.3): "from | event | to".
const EXPECTED = `
enroll|manage|verifying
verifying|done|manageable
verifying|fail|enroll
manageable|provide|cleaning
manageable|clean|cleaning
manageable|inspect|inspecting
manageable|adopt|adopting
inspecting|done|manageable
inspecting|wait|inspect wait
inspecting|fail|inspect failed
inspect wait|done|manageable
inspect wait|resume|inspecting
inspect wait|fail|inspect failed
inspect wait|abort|inspect failed
inspect failed|inspect|inspecting
inspect failed|manage|manageable
available|deploy|deploying
available|manage|manageable
cleaning|done|available
cleaning|wait|clean wait
cleaning|hold|clean hold
cleaning|fail|clean failed
cleaning|manage|manageable
clean wait|resume|cleaning
clean wait|hold|clean hold
clean wait|fail|clean failed
clean wait|abort|clean failed
clean hold|unhold|clean wait
clean hold|abort|clean failed
clean failed|manage|manageable
deploying|done|active
deploying|wait|wait call-back
deploying|hold|deploy hold
deploying|fail|deploy failed
wait call-back|resume|deploying
wait call-back|hold|deploy hold
wait call-back|fail|deploy failed
wait call-back|delete|deleting
wait call-back|abort|deploy failed
deploy hold|unhold|wait call-back
deploy hold|abort|deploy failed
deploy failed|deploy|deploying
deploy failed|rebuild|deploying
deploy failed|delete|deleting
active|rebuild|deploying
active|delete|deleting
active|rescue|rescuing
active|service|servicing
deleting|clean|cleaning
deleting|fail|error
error|rebuild|deploying
error|delete|deleting
adopting|done|active
adopting|fail|adopt failed
adopt failed|adopt|adopting
adopt failed|manage|manageable
rescuing|done|rescue
rescuing|wait|rescue wait
rescuing|fail|rescue failed
rescue wait|resume|rescuing
rescue wait|fail|rescue failed
rescue wait|abort|rescue failed
rescue wait|delete|deleting
rescue|rescue|rescuing
rescue|unrescue|unrescuing
rescue|delete|deleting
rescue failed|rescue|rescuing
rescue failed|unrescue|unrescuing
rescue failed|delete|deleting
unrescuing|done|active
unrescuing|fail|unrescue failed
unrescue failed|rescue|rescuing
unrescue failed|unrescue|unrescuing
unrescue failed|delete|deleting
servicing|done|active
servicing|wait|service wait
servicing|hold|service hold
servicing|fail|service failed
service wait|resume|servicing
service wait|fail|service failed
service wait|abort|service failed
service wait|delete|deleting
service hold|service|servicing
service hold|unhold|service wait
service hold|abort|service failed
service hold|fail|service failed
service failed|service|servicing
service failed|rescue|rescuing
service failed|abort|active
service failed|delete|deleting
service failed|wait|service wait
service failed|hold|service hold
`
  .trim()
  .split('\n')
  .map((line) => line.split('|') as [string, ProvisionEvent, string]);

const EVENTS: ProvisionEvent[] = [
  'manage',
  'provide',
  'inspect',
  'clean',
  'abort',
  'deploy',
  'delete',
  'rebuild',
  'adopt',
  'rescue',
  'unrescue',
  'unhold',
  'service',
  'done',
  'fail',
  'wait',
  'resume',
  'hold',
];

describe('provision state machine', () => {
  it.each(EXPECTED)('%s --%s--> %s', (from, event, to) => {
    expect(nextState(from, event)).toBe(to);
  });

  it('refuses every other state/event pair', () => {
    const allowed = new Set(EXPECTED.map(([f, e]) => `${f}|${e}`));
    const refused: string[] = [];
    for (const state of PROVISION_STATES) {
      for (const event of EVENTS) {
        if (allowed.has(`${state}|${event}`)) continue;
        refused.push(`${state}|${event}`);
        expect(nextState(state, event), `${state} ${event}`).toBeNull();
      }
    }
    expect(refused.length).toBe(PROVISION_STATES.length * EVENTS.length - EXPECTED.length);
  });

  it('maps API verbs and their aliases onto events', () => {
    expect(verbToEvent('active')).toBe('deploy');
    expect(verbToEvent('deleted')).toBe('delete');
    expect(verbToEvent('undeploy')).toBe('delete');
    expect(verbToEvent('provide')).toBe('provide');
    expect(API_VERBS).toHaveLength(15);
    expect(isVerbAllowed('manageable', 'provide')).toBe(true);
    expect(isVerbAllowed('available', 'provide')).toBe(false);
    expect(isVerbAllowed('active', 'undeploy')).toBe(true);
  });

  it('knows the target each transient state works towards', () => {
    expect(defaultTarget('clean wait')).toBe('available');
    expect(defaultTarget('inspect wait')).toBe('manageable');
    expect(defaultTarget('wait call-back')).toBe('active');
    expect(defaultTarget('rescue wait')).toBe('rescue');
    expect(defaultTarget('manageable')).toBeNull();
  });
});
